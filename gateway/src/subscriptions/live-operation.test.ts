import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { GraphQLError } from "graphql";
import { liveFields } from "./live-fields.js";
import { planLiveOperation, type LiveOperation } from "./live-operation.js";

// The planner reads schemas of graphql's CommonJS build (the one @apollo/gateway uses), so the test builds its
// schema with that build too.
const graphql: typeof import("graphql") = createRequire(import.meta.url)("graphql");

const schema = graphql.buildSchema(`
  scalar DateTime
  scalar JSON
  type User { id: ID! email: String! vivariums: [Vivarium!]! }
  type Vivarium { id: ID! name: String! myRole: String }
  type FeatureFlag { id: ID! name: String! enabled: Boolean! conditions: JSON }
  type FeatureFlagChange { id: ID! action: String! flag: FeatureFlag! changedBy: User at: DateTime! }
  type ConfigEntry { key: String! value: JSON! }
  type ConfigChange { id: ID! key: String! entry: ConfigEntry! }
  type RoleChange { id: ID! action: String! user: User! }
  type Query { me: User featureFlagChange(id: ID!): FeatureFlagChange configChange(id: ID!): ConfigChange vivariumMembershipChange(vivariumId: ID!, id: ID!): RoleChange }
  type Subscription {
    featureFlagChanged(names: [String!]): FeatureFlagChange!
    configChanged(environment: String, keys: [String!]): ConfigChange!
    vivariumMembershipChanged(vivariumId: ID!): RoleChange!
    eventPublished(types: [String!]): String!
  }
`);

function plan(query: string, variables: Record<string, unknown> = {}, operationName?: string): LiveOperation {
  const planned = planLiveOperation(schema, graphql.parse(query), operationName, variables, liveFields);
  if (Array.isArray(planned)) throw new Error(`refused: ${planned.map((error) => error.message).join("; ")}`);
  return planned;
}

function refusal(query: string, variables: Record<string, unknown> = {}, operationName?: string): GraphQLError[] {
  const planned = planLiveOperation(schema, graphql.parse(query), operationName, variables, liveFields);
  if (!Array.isArray(planned)) throw new Error(`accepted ${query}`);
  for (const error of planned) expect(error.extensions.code).toBe("BAD_USER_INPUT");
  return planned;
}

/** The printed form of a query, for comparing against the planner's output. */
const printed = (query: string) => graphql.print(graphql.parse(query));

describe("planLiveOperation", () => {
  it("turns the selection into a query of the change by id, the filters left behind", () => {
    const operation = plan(`subscription Watch($names: [String!]) { featureFlagChanged(names: $names) { action flag { name enabled } at } }`, {
      names: ["pedigree-explorer"],
    });
    expect(operation).toMatchObject({ fieldName: "featureFlagChanged", responseKey: "featureFlagChanged", args: { names: ["pedigree-explorer"] }, variables: {} });
    expect(operation.field).toBe(liveFields.featureFlagChanged);
    expect(operation.query).toBe(
      printed(`query Watch($__liveChangeId: ID!) { featureFlagChanged: featureFlagChange(id: $__liveChangeId) { action flag { name enabled } at } }`),
    );
  });

  it("passes the field's query arguments on from the subscription's, so the owning subgraph checks access with them", () => {
    const operation = plan(`subscription($v: ID!) { vivariumMembershipChanged(vivariumId: $v) { action user { email } } }`, { v: "v-1" });
    expect(operation).toMatchObject({ args: { vivariumId: "v-1" }, variables: {}, callerIndependent: false });
    expect(operation.query).toBe(
      printed(`query($__liveChangeId: ID!) { vivariumMembershipChanged: vivariumMembershipChange(id: $__liveChangeId, vivariumId: "v-1") { action user { email } } }`),
    );
    // Its root answers per caller (membership decides), so not even a bare `__typename` is shared.
    expect(plan(`subscription { vivariumMembershipChanged(vivariumId: "v-1") { __typename } }`).callerIndependent).toBe(false);
    expect(plan(`subscription { featureFlagChanged { __typename } }`).callerIndependent).toBe(true);
  });

  it("keeps aliases, fragments and the variables the selection still uses", () => {
    const operation = plan(
      `subscription($withActor: Boolean!, $keys: [String!]) {
        changed: configChanged(keys: $keys, environment: "staging") {
          ...Change
          who: entry { ... on ConfigEntry { value } }
        }
      }
      fragment Change on ConfigChange { id key ...Nested }
      fragment Nested on ConfigChange { entry { key @include(if: $withActor) } }`,
      { withActor: true, keys: ["a", "b"], unrelated: 1 },
    );
    expect(operation.args).toEqual({ keys: ["a", "b"], environment: "staging" });
    expect(operation.responseKey).toBe("changed");
    expect(operation.variables).toEqual({ withActor: true });
    expect(operation.query).toBe(
      printed(`query($__liveChangeId: ID!, $withActor: Boolean!) {
        changed: configChange(id: $__liveChangeId) { ...Change who: entry { ... on ConfigEntry { value } } }
      }
      fragment Change on ConfigChange { id key ...Nested }
      fragment Nested on ConfigChange { entry { key @include(if: $withActor) } }`),
    );
  });

  it("finds the root field through fragments on Subscription and @skip/@include, and merges repeated asks", () => {
    const operation = plan(
      `subscription {
        ...Root
        ... on Subscription { featureFlagChanged { at } }
        configChanged @skip(if: true) { id }
      }
      fragment Root on Subscription { featureFlagChanged { action } }`,
    );
    expect(operation.query).toBe(printed(`query($__liveChangeId: ID!) { featureFlagChanged: featureFlagChange(id: $__liveChangeId) { action at } }`));
  });

  it("prints equal selections alike, whatever their spacing, so they share one group", () => {
    const a = plan(`subscription { featureFlagChanged(names: ["a"]) { flag { name } } }`);
    const b = plan(`subscription {
      featureFlagChanged(names: ["b", "c"]) {
        flag {
          name
        }
      }
    }`);
    expect(a.query).toBe(b.query);
    expect(a.args).not.toEqual(b.args);
  });

  it("tells selections that answer alike for a role from those that depend on who asks", () => {
    expect(plan(`subscription { featureFlagChanged { __typename action flag { name conditions } changedBy { id email } } }`).callerIndependent).toBe(true);
    expect(plan(`subscription { configChanged { entry { value } } }`).callerIndependent).toBe(true);
    expect(plan(`subscription { featureFlagChanged { changedBy { vivariums { myRole } } } }`).callerIndependent).toBe(false);
    expect(plan(`subscription { featureFlagChanged { ...F } } fragment F on FeatureFlagChange { changedBy { vivariums { name } } }`).callerIndependent).toBe(false);
  });

  it("refuses what is not one live subscription", () => {
    expect(refusal(`{ me { id } }`)[0]!.message).toMatch(/Only subscriptions/);
    expect(refusal(`mutation { x }`).length).toBeGreaterThan(0);
    expect(refusal(`subscription { featureFlagChanged { action } configChanged { id } }`)[0]!.message).toMatch(/only one top level field/);
    expect(refusal(`subscription { featureFlagChanged @include(if: false) { action } }`)[0]!.message).toMatch(/exactly one/);
    expect(refusal(`subscription($q: Boolean!) { featureFlagChanged @include(if: $q) { action } }`, { q: true })[0]!.message).toMatch(/\$q/);
    expect(refusal(`subscription { featureFlagChanged { id } } fragment Unused on User { id }`)[0]!.message).toMatch(/never used/);
    expect(refusal(`subscription { eventPublished }`)[0]!.message).toMatch(/not served/);
    expect(refusal(`subscription { featureFlagChanged { nope } }`)[0]!.message).toMatch(/Cannot query field "nope"/);
    expect(refusal(`subscription($names: [String!]) { featureFlagChanged(names: $names) { action } }`, { names: [1, {}] }).length).toBeGreaterThan(0);
    expect(refusal(`subscription($__liveChangeId: ID) { featureFlagChanged { id @skip(if: false) } }`)[0]!.message).toMatch(/reserved|never used/);
    expect(refusal(`subscription A { featureFlagChanged { id } } subscription B { configChanged { id } }`)[0]!.message).toMatch(/Name the operation/);
    expect(refusal(`subscription A { featureFlagChanged { id } }`, {}, "B")[0]!.message).toMatch(/Unknown operation B/);
  });

  it("picks the named operation of several", () => {
    const operation = plan(`subscription A { featureFlagChanged { id } } subscription B { configChanged { id } }`, {}, "B");
    expect(operation.fieldName).toBe("configChanged");
  });
});
