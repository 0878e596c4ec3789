import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demo } from "@repti/kit";
import { loginAdmin, loginKeeper } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";

let stack: TestStack;
let admin: string;
let keeper: string;
beforeAll(async () => {
  // The outbox relays poll rarely here (commits still wake them at once), so a read that queried would show.
  stack = await startTestStack({ env: { OUTBOX_POLL_MS: "60000" } });
  admin = (await loginAdmin(stack)).accessToken;
  keeper = (await loginKeeper(stack)).accessToken;
});
afterAll(async () => {
  await stack?.stop();
});

const flagFields = "id name description enabled rolloutPercentage conditions rolloutGroupId stickiness version overrides { userId vivariumId enabled }";
const createFlag = `mutation($input: CreateFeatureFlagInput!) { createFeatureFlag(input: $input) { ${flagFields} } }`;
const updateFlag = `mutation($name: String!, $input: UpdateFeatureFlagInput!) { updateFeatureFlag(name: $name, input: $input) { ${flagFields} } }`;
const toggleFlag = `mutation($name: String!, $enabled: Boolean!) { toggleFeatureFlag(name: $name, enabled: $enabled) { ${flagFields} } }`;
const deleteFlag = "mutation($name: String!) { deleteFeatureFlag(name: $name) }";
const setOverride = `mutation($name: String!, $input: FeatureFlagOverrideInput!) { setFeatureFlagOverride(name: $name, input: $input) { ${flagFields} } }`;
const removeOverride = "mutation($name: String!, $userId: ID, $vivariumId: ID) { removeFeatureFlagOverride(name: $name, userId: $userId, vivariumId: $vivariumId) }";
const history = "query($name: String!, $first: Int) { featureFlagHistory(name: $name, first: $first) { id action before after changedBy { email } changedByApiKeyId flag { id enabled version } at } }";
const evaluate = "query($context: EvaluationContext, $names: [String!]) { evaluateFlags(context: $context, names: $names) { name enabled reason } }";

async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token = admin): Promise<T> {
  const response = await graphql<T>(stack.gatewayUrl, query, variables, bearer(token));
  if (!response.data || response.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(response.errors)}`);
  return response.data;
}

async function createKey(scopes: string[]): Promise<{ id: string; secret: string }> {
  const data = await ok("mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } secret } }", {
    input: { name: `flags ${scopes.join(" ")}`, scopes },
  });
  return { id: data.createApiKey.apiKey.id, secret: data.createApiKey.secret };
}

async function rowCounts(): Promise<Record<string, number>> {
  return withSql(stack, async (sql) => {
    const [row] = await sql`select
      (select count(*)::int from config.feature_flags) as flags,
      (select count(*)::int from config.feature_flag_overrides) as overrides,
      (select count(*)::int from config.feature_flag_changes) as changes,
      (select count(*)::int from config.outbox) as events,
      (select coalesce(sum(version), 0)::int from config.feature_flags) as versions`;
    return row as Record<string, number>;
  });
}

/** A counter of a subgraph's Prometheus metrics. */
async function metric(subgraph: string, name: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", stack.subgraphs.get(subgraph)!.url))).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

describe("flag admin", () => {
  it("creates, updates, toggles, overrides and archives flags, keeping every change with who, before and after", async () => {
    const conditions = [{ contextName: "environment", operator: "IN", values: ["staging"] }];
    const created = (await ok(createFlag, { input: { name: "shed-cam", description: " Live shed camera ", rolloutPercentage: 30, conditions } })).createFeatureFlag;
    expect(created).toMatchObject({
      name: "shed-cam",
      description: "Live shed camera",
      enabled: false,
      rolloutPercentage: 30,
      rolloutGroupId: null,
      stickiness: "default",
      version: 1,
      overrides: [],
      conditions: [{ contextName: "environment", operator: "IN", values: ["staging"], inverted: false, caseInsensitive: false }],
    });

    const updated = (await ok(updateFlag, { name: "shed-cam", input: { rolloutPercentage: 60, rolloutGroupId: "cams", conditions: null } })).updateFeatureFlag;
    expect(updated).toMatchObject({ rolloutPercentage: 60, rolloutGroupId: "cams", conditions: [], description: "Live shed camera", version: 2 });
    expect((await ok(toggleFlag, { name: "shed-cam", enabled: true })).toggleFeatureFlag).toMatchObject({ enabled: true, version: 3 });
    // Toggling to the current state changes nothing: no version, no history, no event.
    expect((await ok(toggleFlag, { name: "shed-cam", enabled: true })).toggleFeatureFlag).toMatchObject({ enabled: true, version: 3 });
    const overridden = (await ok(setOverride, { name: "shed-cam", input: { userId: demo.keeperUserId, enabled: false } })).setFeatureFlagOverride;
    expect(overridden).toMatchObject({ version: 4, overrides: [{ userId: demo.keeperUserId, vivariumId: null, enabled: false }] });
    expect((await ok(setOverride, { name: "shed-cam", input: { vivariumId: demo.vivariumId, enabled: true } })).setFeatureFlagOverride.overrides).toHaveLength(2);
    expect((await ok(removeOverride, { name: "shed-cam", userId: demo.keeperUserId })).removeFeatureFlagOverride).toBe(true);
    expect((await ok(removeOverride, { name: "shed-cam", userId: demo.keeperUserId })).removeFeatureFlagOverride).toBe(false);
    expect((await ok(deleteFlag, { name: "shed-cam" })).deleteFeatureFlag).toBe(true);

    expect((await ok("{ featureFlag(name: \"shed-cam\") { id } }", {})).featureFlag).toBeNull();
    expect((await ok("{ featureFlags { name } }", {})).featureFlags).not.toContainEqual({ name: "shed-cam" });
    const changes = (await ok(history, { name: "shed-cam" })).featureFlagHistory;
    expect(changes.map((change: { action: string }) => change.action)).toEqual(["DELETED", "OVERRIDDEN", "OVERRIDDEN", "OVERRIDDEN", "TOGGLED", "UPDATED", "CREATED"]);
    expect(changes.map((change: { flag: { version: number } }) => change.flag.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    for (const change of changes) expect(change).toMatchObject({ changedBy: { email: "admin@reptidex.dev" }, changedByApiKeyId: null, flag: { id: created.id } });
    expect(changes[6]).toMatchObject({ before: null, after: { rolloutPercentage: 30, enabled: false } });
    expect(changes[5]).toMatchObject({ before: { rolloutPercentage: 30, rolloutGroupId: null }, after: { rolloutPercentage: 60, rolloutGroupId: "cams", conditions: [] } });
    expect(changes[4]).toMatchObject({ before: { enabled: false }, after: { enabled: true } });
    expect(changes[3]).toMatchObject({ before: null, after: { userId: demo.keeperUserId, enabled: false } });
    expect(changes[1]).toMatchObject({ before: { userId: demo.keeperUserId, enabled: false }, after: null });
    expect(changes[0]).toMatchObject({ before: { enabled: true }, after: null, flag: { enabled: true } });

    // The name is free again; history by name shows both flags.
    const again = (await ok(createFlag, { input: { name: "shed-cam" } })).createFeatureFlag;
    expect(again.id).not.toBe(created.id);
    expect((await ok(history, { name: "shed-cam" })).featureFlagHistory).toHaveLength(8);
    const one = await ok("query($id: ID!) { featureFlagChange(id: $id) { action flag { name } } }", { id: changes[4].id });
    expect(one.featureFlagChange).toEqual({ action: "TOGGLED", flag: { name: "shed-cam" } });
  });

  it("is for platform admins and API keys with flag scopes; a key's changes are recorded against its owner", async () => {
    for (const [query, variables] of [
      ["{ featureFlags { name } }", {}],
      [history, { name: "pedigree-explorer" }],
      [toggleFlag, { name: "pedigree-explorer", enabled: false }],
      [createFlag, { input: { name: "keepers-own" } }],
      [deleteFlag, { name: "pedigree-explorer" }],
    ] as const) {
      expect(errorCodes(await graphql(stack.gatewayUrl, query, variables, bearer(keeper))), query).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await graphql(stack.gatewayUrl, query, variables)), query).toEqual(["UNAUTHENTICATED"]);
    }

    const reader = await createKey(["flag.read"]);
    const writer = await createKey(["flag.read", "flag.write"]);
    const asKey = (secret: string) => ({ "x-api-key": secret });
    expect((await graphql(stack.gatewayUrl, "{ featureFlags { name } }", {}, asKey(reader.secret))).data?.featureFlags.length).toBeGreaterThan(0);
    expect(errorCodes(await graphql(stack.gatewayUrl, toggleFlag, { name: "clutch-reminders", enabled: true }, asKey(reader.secret)))).toEqual(["FORBIDDEN"]);
    const toggled = await graphql(stack.gatewayUrl, toggleFlag, { name: "clutch-reminders", enabled: true }, asKey(writer.secret));
    expect(toggled.data?.toggleFeatureFlag).toMatchObject({ enabled: true });
    const [latest] = (await ok(history, { name: "clutch-reminders" })).featureFlagHistory;
    expect(latest).toMatchObject({ action: "TOGGLED", changedBy: { email: "admin@reptidex.dev" }, changedByApiKeyId: writer.id });
  });

  it("refuses bad input with BAD_USER_INPUT (or CONFLICT, NOT_FOUND) and changes nothing", async () => {
    const before = await rowCounts();
    const refused: Array<[string, Record<string, unknown>, string]> = [
      [createFlag, { input: { name: "has space" } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "x".repeat(101) } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", rolloutPercentage: 101 } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", rolloutPercentage: -1 } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", stickiness: "currentTime" } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", description: "d".repeat(501) } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", conditions: { contextName: "environment" } } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", conditions: [{ contextName: "environment", operator: "MATCHES", values: ["x"] }] } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", conditions: [{ contextName: "appVersion", operator: "SEMVER_GT", value: "v1" }] } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "ok-name", conditions: [{ contextName: "currentTime", operator: "DATE_AFTER", value: "tomorrow" }] } }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: "pedigree-explorer" } }, "CONFLICT"],
      [updateFlag, { name: "pedigree-explorer", input: { rolloutPercentage: 1000 } }, "BAD_USER_INPUT"],
      [updateFlag, { name: "pedigree-explorer", input: { conditions: [{ contextName: "age", operator: "NUM_GT", value: "old" }] } }, "BAD_USER_INPUT"],
      [updateFlag, { name: "no-such-flag", input: { enabled: true } }, "NOT_FOUND"],
      [toggleFlag, { name: "no-such-flag", enabled: true }, "NOT_FOUND"],
      [deleteFlag, { name: "no-such-flag" }, "NOT_FOUND"],
      [setOverride, { name: "pedigree-explorer", input: { userId: demo.keeperUserId, vivariumId: demo.vivariumId, enabled: true } }, "BAD_USER_INPUT"],
      [setOverride, { name: "pedigree-explorer", input: { enabled: true } }, "BAD_USER_INPUT"],
      [setOverride, { name: "pedigree-explorer", input: { userId: "not-an-id", enabled: true } }, "BAD_USER_INPUT"],
      [removeOverride, { name: "pedigree-explorer" }, "BAD_USER_INPUT"],
      [history, { name: "pedigree-explorer", first: 0 }, "BAD_USER_INPUT"],
      [createFlag, { input: { name: 7 } }, "BAD_USER_INPUT"],
    ];
    for (const [query, variables, code] of refused) {
      const response = await graphql(stack.gatewayUrl, query, variables, bearer(admin));
      expect(errorCodes(response), JSON.stringify(variables)).toEqual([code]);
    }
    await stack.drainOutboxes();
    expect(await rowCounts()).toEqual(before);
  });
});

describe("evaluateFlags", () => {
  beforeAll(async () => {
    await ok(createFlag, { input: { name: "eval-off", enabled: false } });
    await ok(createFlag, { input: { name: "eval-everyone", enabled: true } });
    await ok(createFlag, {
      input: {
        name: "eval-staging-pros",
        enabled: true,
        conditions: [
          { contextName: "environment", operator: "IN", values: ["staging"] },
          { contextName: "subscriptionTier", operator: "IN", values: ["PRO"], caseInsensitive: true },
          { contextName: "appVersion", operator: "SEMVER_GT", value: "2.0.0-rc.1" },
        ],
      },
    });
    // The documented bucket: group gr1, id 123 → 73.
    await ok(createFlag, { input: { name: "eval-rollout", enabled: true, rolloutPercentage: 73, rolloutGroupId: "gr1" } });
    await ok(createFlag, { input: { name: "eval-launch", enabled: true, conditions: [{ contextName: "currentTime", operator: "DATE_AFTER", value: "2030-01-01T00:00:00Z" }] } });
    await ok(setOverride, { name: "eval-off", input: { userId: demo.keeperUserId, enabled: true } });
    await ok(createFlag, { input: { name: "eval-overridden", enabled: true, rolloutPercentage: 0 } });
    await ok(setOverride, { name: "eval-overridden", input: { vivariumId: demo.vivariumId, enabled: true } });
    await ok(createFlag, { input: { name: "eval-keeper-only", enabled: true, rolloutPercentage: 0 } });
    await ok(setOverride, { name: "eval-keeper-only", input: { userId: demo.keeperUserId, enabled: true } });
    await ok(createFlag, { input: { name: "eval-staff", enabled: true, conditions: [{ contextName: "platformRole", operator: "IN", values: ["ADMIN"] }] } });
  });

  const answers = (data: { evaluateFlags: Array<{ name: string; enabled: boolean; reason: string }> }) =>
    Object.fromEntries(data.evaluateFlags.map(({ name, enabled, reason }) => [name, `${enabled} ${reason}`]));

  it("answers every requested flag with a reason, for an explicit context", async () => {
    const names = ["eval-off", "eval-everyone", "eval-staging-pros", "eval-rollout", "eval-launch", "eval-overridden", "no-such-flag"];
    const context = (extra: Record<string, unknown>) => ({ names, context: { userId: "123", ...extra } });
    expect(answers(await ok(evaluate, context({ environment: "staging", subscriptionTier: "pro", attributes: { appVersion: "2.0.0" } })))).toEqual({
      "eval-off": "false DISABLED",
      "eval-everyone": "true DEFAULT",
      "eval-staging-pros": "true RULE_MATCH",
      "eval-rollout": "true ROLLOUT",
      "eval-launch": "false DEFAULT",
      "eval-overridden": "false ROLLOUT",
      "no-such-flag": "false DEFAULT",
    });
    const other = answers(
      await ok(evaluate, context({ vivariumId: demo.vivariumId, environment: "staging", subscriptionTier: "free", currentTime: "2031-01-01T00:00:00Z", attributes: { appVersion: 2 } })),
    );
    expect(other).toMatchObject({ "eval-staging-pros": "false DEFAULT", "eval-launch": "true RULE_MATCH", "eval-overridden": "true OVERRIDE" });
    await ok(updateFlag, { name: "eval-rollout", input: { rolloutPercentage: 72 } });
    expect(answers(await ok(evaluate, { names: ["eval-rollout"], context: { userId: "123" } }))).toEqual({ "eval-rollout": "false ROLLOUT" });
  });

  it("evaluates for the caller by default; only admins and flag.read keys may speak for someone else", async () => {
    const mine = answers(await ok(evaluate, { names: ["eval-off", "eval-everyone", "eval-keeper-only", "eval-staff"] }, keeper));
    expect(mine).toEqual({ "eval-off": "false DISABLED", "eval-everyone": "true DEFAULT", "eval-keeper-only": "true OVERRIDE", "eval-staff": "false DEFAULT" });
    // The same question from the admin: their user and role come from their token just the same.
    expect(answers(await ok(evaluate, { names: ["eval-keeper-only", "eval-staff"] }, admin))).toEqual({ "eval-keeper-only": "false ROLLOUT", "eval-staff": "true RULE_MATCH" });
    // The keeper's own user, role, place: allowed. Another user, another role, another time: not.
    expect(answers(await ok(evaluate, { names: ["eval-staging-pros"], context: { userId: demo.keeperUserId, environment: "staging", subscriptionTier: "PRO", attributes: { appVersion: "3.1.0" } } }, keeper))).toEqual({
      "eval-staging-pros": "true RULE_MATCH",
    });
    for (const context of [{ userId: demo.adminUserId }, { platformRole: "ADMIN" }, { currentTime: "2031-01-01T00:00:00Z" }]) {
      expect(errorCodes(await graphql(stack.gatewayUrl, evaluate, { context }, bearer(keeper))), JSON.stringify(context)).toEqual(["FORBIDDEN"]);
    }
    // Anonymous callers evaluate too (a sign-in page has flags), without a user.
    const anonymous = await graphql(stack.gatewayUrl, evaluate, { names: ["eval-everyone", "eval-rollout"] });
    expect(answers(anonymous.data as never)).toEqual({ "eval-everyone": "true DEFAULT", "eval-rollout": "false ROLLOUT" });
    expect(errorCodes(await graphql(stack.gatewayUrl, evaluate, { context: { userId: demo.keeperUserId } }))).toEqual(["FORBIDDEN"]);

    const reader = await createKey(["flag.read"]);
    const forService = await graphql(stack.gatewayUrl, evaluate, { names: ["eval-off", "eval-overridden"], context: { userId: demo.keeperUserId, vivariumId: demo.vivariumId } }, { "x-api-key": reader.secret });
    // The kill switch beats the keeper's override; the vivarium's override beats a 0 % rollout.
    expect(answers(forService.data as never)).toEqual({ "eval-off": "false DISABLED", "eval-overridden": "true OVERRIDE" });
    const withoutScope = await createKey(["config.read"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, evaluate, {}, { "x-api-key": withoutScope.secret }))).toEqual(["FORBIDDEN"]);
  });

  it("refuses a malformed context", async () => {
    for (const context of [{ attributes: [1] }, { attributes: { "bad name": "x" } }, { attributes: { nested: { a: 1 } } }, { environment: "e".repeat(1001) }]) {
      expect(errorCodes(await graphql(stack.gatewayUrl, evaluate, { context }, bearer(admin))), JSON.stringify(context).slice(0, 60)).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("reads flags from memory, never from the database", async () => {
    await ok(evaluate, {});
    const before = await metric("config", "db_queries_total");
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2
          ? ok(evaluate, { context: { userId: `user-${i}` } })
          : ok("{ featureFlags { name overrides { enabled } } featureFlag(name: \"eval-rollout\") { version } appConfig { key } }", {}),
      ),
    );
    // 100 reads that each queried would show as 100 statements or more; at most a periodic resync may show here.
    expect((await metric("config", "db_queries_total")) - before).toBeLessThan(10);
  });
});

describe("every instance sees a write", () => {
  it("a flag changed through a second gateway and config instance is read changed through the first", async () => {
    const replica = await stack.startReplica(["config"]);
    const toggled = await graphql(replica.gatewayUrl, toggleFlag, { name: "eval-everyone", enabled: false }, bearer(admin));
    expect(toggled.data?.toggleFeatureFlag).toMatchObject({ enabled: false });
    // The writing instance reads its own write at once; the other follows the event.
    expect(firstAnswer(await graphql(replica.gatewayUrl, evaluate, { names: ["eval-everyone"] }, bearer(admin)))).toBe("false DISABLED");
    await expect
      .poll(async () => firstAnswer(await graphql(stack.gatewayUrl, evaluate, { names: ["eval-everyone"] }, bearer(admin))), { timeout: 5_000 })
      .toBe("false DISABLED");
  });
});

function firstAnswer(response: { data?: Record<string, any> | null }): string {
  const [first] = response.data!.evaluateFlags as Array<{ enabled: boolean; reason: string }>;
  return `${first!.enabled} ${first!.reason}`;
}

describe("events", () => {
  it("announce flag changes through the outbox: config.feature.toggled reaches the event log", async () => {
    await ok(toggleFlag, { name: "pedigree-explorer", enabled: false });
    // Switched back on together with another field: still a toggle, so a consumer of toggles alone sees it.
    expect((await ok(updateFlag, { name: "pedigree-explorer", input: { enabled: true, rolloutPercentage: 40 } })).updateFeatureFlag).toMatchObject({ enabled: true, rolloutPercentage: 40 });
    const events = await (async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const page = await ok("{ events(filter: { types: [\"config.feature.toggled\"] }, first: 20) { edges { node { type source payload } } } }", {});
        const found = page.events.edges.filter((edge: { node: { payload: { name: string } } }) => edge.node.payload.name === "pedigree-explorer");
        if (found.length > 1) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("no config.feature.toggled event recorded");
    })();
    expect(events.map((event: { node: unknown }) => event.node)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: "config.feature.toggled",
          source: "config",
          payload: expect.objectContaining({ name: "pedigree-explorer", action: "TOGGLED", enabled: false, changedByUserId: demo.adminUserId }),
        }),
        expect.objectContaining({ type: "config.feature.toggled", payload: expect.objectContaining({ name: "pedigree-explorer", action: "TOGGLED", enabled: true }) }),
      ]),
    );
  });
});
