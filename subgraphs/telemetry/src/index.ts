export { telemetrySubgraph } from "./definition.js";
