export { vivariumSubgraph } from "./definition.js";
