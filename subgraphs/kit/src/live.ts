import { DomainError } from "./errors.js";

/**
 * Subgraphs declare their Subscription fields so they compose into the supergraph; the gateway serves them over
 * graphql-ws from the events the outbox relays publish, resolving each change with a query field of the owning
 * subgraph. Nothing subscribes at a subgraph: a subscription sent to one directly is refused.
 */
export function servedByGateway(): never {
  throw new DomainError("BAD_USER_INPUT", "Subscriptions are served by the gateway over WebSocket (graphql-ws) at /graphql");
}
