export { billingSubgraph } from "./definition.js";
