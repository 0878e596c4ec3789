export { identitySubgraph } from "./definition.js";
