export { startGateway, type RunningGateway, type StartGatewayOptions } from "./server.js";
export { composeSupergraph, readSupergraph, supergraphPath, CompositionError, type SubgraphSdl } from "./composition.js";
export { subgraphNames, type SubgraphName } from "./config.js";
