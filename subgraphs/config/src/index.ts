export { configSubgraph } from "./definition.js";
