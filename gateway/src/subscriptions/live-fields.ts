import type { EventEnvelope } from "@repti/kit";

/**
 * A root Subscription field the gateway serves. Its events come from the bus (the outbox relays publish them
 * after commit); everything the subscriber selected is resolved by running the selection under `queryField`
 * (a root Query field of the owning subgraph that answers one change by its id) as a query through the gateway,
 * with the subscriber's permissions.
 */
export interface LiveField {
  /** The bus events that announce a change for this field. */
  events: readonly string[];
  /** The root Query field that resolves one announced change by its id. */
  queryField: string;
  /**
   * Arguments of `queryField` besides the change's id, from the subscription's own (ID values): the owning
   * subgraph checks access with them, at subscribe time and for each change.
   */
  queryArguments?(args: Readonly<Record<string, unknown>>): Record<string, string>;
  /** The id `queryField` takes, read from the event. */
  changeId(event: EventEnvelope): string | undefined;
  /** Whether the subscriber's arguments let this event through; checked before any work is done for it. */
  accepts(args: Readonly<Record<string, unknown>>, event: EventEnvelope): boolean;
  /**
   * The fields (by type; `all` for every field) whose answer depends only on the caller's role and scopes, never
   * on who the caller is, the root field (`Query: [queryField]`) included. A selection within them runs once for
   * everyone with the same role and scopes; any other field makes it run once per caller.
   */
  sharedFields: Readonly<Record<string, "all" | readonly string[]>>;
}

/** identity resolves any user for any signed-in caller; these fields of it say the same to everyone. */
const userProfileFields = ["id", "email", "firstName", "lastName", "emailVerified", "isActive", "platformRole", "mfaEnabled", "createdAt"];

function payloadString(event: EventEnvelope, field: string): string | undefined {
  const value = (event.payload as Record<string, unknown> | null)?.[field];
  return typeof value === "string" ? value : undefined;
}

/** `null` (the argument left out) lets everything through; a list lets through what it names. */
function listed(filter: unknown, value: string | undefined): boolean {
  return !Array.isArray(filter) || (value !== undefined && filter.includes(value));
}

/** The Subscription fields of the supergraph that the gateway serves, by name. */
export const liveFields: Readonly<Record<string, LiveField>> = {
  featureFlagChanged: {
    events: ["config.feature.created", "config.feature.updated", "config.feature.toggled", "config.feature.deleted", "config.feature.overridden"],
    queryField: "featureFlagChange",
    changeId: (event) => payloadString(event, "changeId"),
    accepts: (args, event) => listed(args.names, payloadString(event, "name")),
    sharedFields: { Query: ["featureFlagChange"], FeatureFlagChange: "all", FeatureFlag: "all", FeatureFlagOverride: "all", User: userProfileFields },
  },
  configChanged: {
    events: ["config.updated"],
    queryField: "configChange",
    changeId: (event) => payloadString(event, "changeId"),
    accepts: (args, event) =>
      (args.environment == null || args.environment === payloadString(event, "environment")) && listed(args.keys, payloadString(event, "key")),
    sharedFields: { Query: ["configChange"], ConfigChange: "all", ConfigEntry: "all", User: userProfileFields },
  },
  vivariumMembershipChanged: {
    events: ["org.member.added", "org.member.role.changed", "org.member.removed"],
    queryField: "vivariumMembershipChange",
    queryArguments: (args) => ({ vivariumId: String(args.vivariumId) }),
    changeId: (event) => payloadString(event, "changeId"),
    accepts: (args, event) => args.vivariumId === payloadString(event, "vivariumId"),
    // Whether a caller may see the change at all, and what of it, depends on their membership and role in that
    // vivarium, which no token carries: each caller apart, even for `{ __typename }`.
    sharedFields: {},
  },
};
