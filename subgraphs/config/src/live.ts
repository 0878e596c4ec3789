import { DomainError } from "@repti/kit";

/**
 * This subgraph declares its Subscription fields so they compose into the supergraph; the gateway serves them
 * over graphql-ws from the events the outbox relay publishes, resolving each change with `featureFlagChange(id)`
 * or `configChange(id)`. Nothing subscribes here: a subscription sent to this subgraph directly is refused.
 */
export function servedByGateway(): never {
  throw new DomainError("BAD_USER_INPUT", "Subscriptions are served by the gateway over WebSocket (graphql-ws) at /graphql");
}
