import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demo } from "@repti/kit";
import { loginAdmin, loginKeeper } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";

let stack: TestStack;
let admin: string;
let keeper: string;
beforeAll(async () => {
  stack = await startTestStack();
  admin = (await loginAdmin(stack)).accessToken;
  keeper = (await loginKeeper(stack)).accessToken;
});
afterAll(async () => {
  await stack?.stop();
});

const entryFields = "key value environment version description valueSchema deleted changedBy { email }";
const setConfig = `mutation($input: SetConfigInput!) { setConfig(input: $input) { ${entryFields} } }`;
const deleteConfig = "mutation($key: String!, $environment: String) { deleteConfig(key: $key, environment: $environment) }";
const entry = `query($key: String!, $environment: String) { configEntry(key: $key, environment: $environment) { ${entryFields} } }`;
const configHistory = `query($key: String!, $environment: String) { configHistory(key: $key, environment: $environment) { ${entryFields} } }`;

async function ok(query: string, variables: Record<string, unknown>, headers: Record<string, string> = bearer(admin)): Promise<Record<string, any>> {
  const response = await graphql(stack.gatewayUrl, query, variables, headers);
  if (!response.data || response.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(response.errors)}`);
  return response.data;
}

async function versionsInDatabase(): Promise<number> {
  return withSql(stack, async (sql) => {
    const [row] = await sql`select (select count(*)::int from config.config_entries) + (select count(*)::int from config.outbox) as n`;
    return row!.n as number;
  });
}

describe("app config", () => {
  it("adds a version with every set; history lists them; a rollback is setting an old value again", async () => {
    const first = await ok(setConfig, { input: { key: "husbandry.baskingTemp", environment: "staging", value: { min: 30, max: 35 }, description: "Basking range (°C)" } });
    expect(first.setConfig).toEqual({
      key: "husbandry.baskingTemp",
      environment: "staging",
      value: { min: 30, max: 35 },
      version: 1,
      description: "Basking range (°C)",
      valueSchema: null,
      deleted: false,
      changedBy: { email: "admin@reptidex.dev" },
    });
    await ok(setConfig, { input: { key: "husbandry.baskingTemp", environment: "staging", value: { min: 32, max: 38 } } });
    const current = await ok(entry, { key: "husbandry.baskingTemp", environment: "staging" });
    // The description stays when a set leaves it out.
    expect(current.configEntry).toMatchObject({ version: 2, value: { min: 32, max: 38 }, description: "Basking range (°C)" });

    const rollback = await ok(setConfig, { input: { key: "husbandry.baskingTemp", environment: "staging", value: first.setConfig.value, expectedVersion: 2 } });
    expect(rollback.setConfig).toMatchObject({ version: 3, value: { min: 30, max: 35 } });
    const versions = (await ok(configHistory, { key: "husbandry.baskingTemp", environment: "staging" })).configHistory;
    expect(versions.map((version: { version: number; value: unknown }) => [version.version, version.value])).toEqual([
      [3, { min: 30, max: 35 }],
      [2, { min: 32, max: 38 }],
      [1, { min: 30, max: 35 }],
    ]);

    // Environments are separate and open-ended; reads are public.
    const app = await graphql(stack.gatewayUrl, "query($environment: String) { appConfig(environment: $environment) { key value version } }", { environment: "staging" });
    expect(app.data!.appConfig).toEqual([{ key: "husbandry.baskingTemp", value: { min: 30, max: 35 }, version: 3 }]);
    expect((await ok(entry, { key: "husbandry.baskingTemp", environment: "production" })).configEntry).toBeNull();
    await ok(setConfig, { input: { key: "feature.banner", environment: "preview-42", value: "hello" } });
    expect((await graphql(stack.gatewayUrl, entry, { key: "feature.banner", environment: "preview-42" })).data!.configEntry).toMatchObject({ value: "hello", version: 1 });
  });

  it("refuses a stale expectedVersion with CONFLICT, and lets exactly one of two racing writers through", async () => {
    await ok(setConfig, { input: { key: "race.limit", value: 1, expectedVersion: 0 } });
    const stale = await graphql(stack.gatewayUrl, setConfig, { input: { key: "race.limit", value: 2, expectedVersion: 0 } }, bearer(admin));
    expect(errorCodes(stale)).toEqual(["CONFLICT"]);
    expect(stale.errors![0]!.extensions).toMatchObject({ currentVersion: 1 });

    const racers = await Promise.all(
      [10, 20, 30, 40].map((value) => graphql(stack.gatewayUrl, setConfig, { input: { key: "race.limit", value, expectedVersion: 1 } }, bearer(admin))),
    );
    expect(racers.filter((response) => response.data?.setConfig).length).toBe(1);
    expect(racers.flatMap(errorCodes).sort()).toEqual(["CONFLICT", "CONFLICT", "CONFLICT"]);
    const winner = racers.find((response) => response.data?.setConfig)!.data!.setConfig;
    expect((await ok(entry, { key: "race.limit" })).configEntry).toMatchObject({ version: 2, value: winner.value });
  });

  it("validates values against the key's JSON Schema, which later sets keep until it is removed", async () => {
    const valueSchema = { type: "object", properties: { unit: { enum: ["celsius", "fahrenheit"] } }, required: ["unit"], additionalProperties: false };
    await ok(setConfig, { input: { key: "husbandry.units", value: { unit: "celsius" }, valueSchema } });
    const before = await versionsInDatabase();
    const wrong = await graphql(stack.gatewayUrl, setConfig, { input: { key: "husbandry.units", value: { unit: "kelvin" } } }, bearer(admin));
    expect(errorCodes(wrong)).toEqual(["BAD_USER_INPUT"]);
    expect(wrong.errors![0]!.extensions).toMatchObject({ field: "value", problems: [{ path: "/unit" }] });
    const extra = await graphql(stack.gatewayUrl, setConfig, { input: { key: "husbandry.units", value: { unit: "celsius", x: 1 } } }, bearer(admin));
    expect(errorCodes(extra)).toEqual(["BAD_USER_INPUT"]);
    const badSchema = await graphql(stack.gatewayUrl, setConfig, { input: { key: "husbandry.units", value: 1, valueSchema: { type: "integr" } } }, bearer(admin));
    expect(errorCodes(badSchema)).toEqual(["BAD_USER_INPUT"]);
    const unknownKeyword = await graphql(stack.gatewayUrl, setConfig, { input: { key: "husbandry.units", value: 1, valueSchema: { typo: true } } }, bearer(admin));
    expect(errorCodes(unknownKeyword)).toEqual(["BAD_USER_INPUT"]);
    await stack.drainOutboxes();
    expect(await versionsInDatabase()).toBe(before);

    const fahrenheit = await ok(setConfig, { input: { key: "husbandry.units", value: { unit: "fahrenheit" } } });
    expect(fahrenheit.setConfig).toMatchObject({ version: 2, valueSchema });
    const freed = await ok(setConfig, { input: { key: "husbandry.units", value: "anything", valueSchema: null } });
    expect(freed.setConfig).toMatchObject({ version: 3, value: "anything", valueSchema: null });
  });

  it("deletes a key with a version of its own, keeping the history; deleting nothing answers false", async () => {
    await ok(setConfig, { input: { key: "temp.flag", environment: "development", value: true } });
    expect((await ok(deleteConfig, { key: "temp.flag", environment: "development" })).deleteConfig).toBe(true);
    expect((await ok(deleteConfig, { key: "temp.flag", environment: "development" })).deleteConfig).toBe(false);
    expect((await ok(entry, { key: "temp.flag", environment: "development" })).configEntry).toBeNull();
    expect((await ok("{ appConfig(environment: \"development\") { key } }", {})).appConfig).not.toContainEqual({ key: "temp.flag" });
    const versions = (await ok(configHistory, { key: "temp.flag", environment: "development" })).configHistory;
    expect(versions.map((version: { version: number; deleted: boolean; value: unknown }) => [version.version, version.deleted, version.value])).toEqual([
      [2, true, true],
      [1, false, true],
    ]);
    // A deleted key starts again where it left off; expectedVersion 0 means "does not exist now".
    expect((await ok(setConfig, { input: { key: "temp.flag", environment: "development", value: false, expectedVersion: 0 } })).setConfig).toMatchObject({ version: 3 });
  });

  it("lets platform admins and API keys with config.write change config, and refuses bad input without changing anything", async () => {
    const create = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }";
    const writer = (await ok(create, { input: { name: "config writer", scopes: ["config.write"] } })).createApiKey.secret as string;
    const reader = (await ok(create, { input: { name: "config reader", scopes: ["config.read"] } })).createApiKey.secret as string;
    expect((await ok(setConfig, { input: { key: "service.written", value: 1 } }, { "x-api-key": writer })).setConfig).toMatchObject({
      version: 1,
      changedBy: { email: "admin@reptidex.dev" },
    });
    expect((await ok(configHistory, { key: "service.written" }, { "x-api-key": reader })).configHistory).toHaveLength(1);

    const before = await versionsInDatabase();
    const attempts: Array<[string, Record<string, unknown>, Record<string, string>, string]> = [
      [setConfig, { input: { key: "k", value: 1 } }, bearer(keeper), "FORBIDDEN"],
      [setConfig, { input: { key: "k", value: 1 } }, {}, "UNAUTHENTICATED"],
      [setConfig, { input: { key: "k", value: 1 } }, { "x-api-key": reader }, "FORBIDDEN"],
      [deleteConfig, { key: "service.written" }, bearer(keeper), "FORBIDDEN"],
      [configHistory, { key: "service.written" }, bearer(keeper), "FORBIDDEN"],
      [setConfig, { input: { key: "has space", value: 1 } }, bearer(admin), "BAD_USER_INPUT"],
      [setConfig, { input: { key: "k", value: 1, environment: "Production" } }, bearer(admin), "BAD_USER_INPUT"],
      [setConfig, { input: { key: "k", value: 1, expectedVersion: -1 } }, bearer(admin), "BAD_USER_INPUT"],
      [setConfig, { input: { key: "k", value: "x".repeat(70_000) } }, bearer(admin), "BAD_USER_INPUT"],
      [setConfig, { input: { key: "k", value: 1, description: "d".repeat(501) } }, bearer(admin), "BAD_USER_INPUT"],
      [setConfig, { input: { key: "k" } }, bearer(admin), "BAD_USER_INPUT"],
      [entry, { key: "k", environment: "no spaces please" }, bearer(admin), "BAD_USER_INPUT"],
    ];
    for (const [query, variables, headers, code] of attempts) {
      expect(errorCodes(await graphql(stack.gatewayUrl, query, variables, headers)), `${JSON.stringify(variables).slice(0, 80)} ${code}`).toEqual([code]);
    }
    await stack.drainOutboxes();
    expect(await versionsInDatabase()).toBe(before);
    // The seeded config is readable by anyone.
    const seeded = await graphql(stack.gatewayUrl, "{ appConfig(environment: \"development\") { key value } }");
    expect(seeded.data!.appConfig).toContainEqual({ key: "app.maintenanceMode", value: false });
    // Who wrote a value is for those who administer config: identity would answer their email and role.
    for (const headers of [bearer(keeper), { "x-api-key": reader }, {}] as Array<Record<string, string>>) {
      const read = await graphql(stack.gatewayUrl, `query($key: String!) { configEntry(key: $key) { version changedBy { id email platformRole } } }`, { key: "service.written" }, headers);
      expect(read.errors, JSON.stringify(headers)).toBeUndefined();
      expect(read.data!.configEntry).toEqual({ version: 1, changedBy: null });
    }
  });

  it("every instance sees a write, and announces it as config.updated", async () => {
    const replica = await stack.startReplica(["config"]);
    const written = await graphql(replica.gatewayUrl, setConfig, { input: { key: "app.maintenanceMode", environment: "development", value: true } }, bearer(admin));
    expect(written.data!.setConfig).toMatchObject({ version: 2, value: true });
    await expect.poll(async () => (await graphql(stack.gatewayUrl, entry, { key: "app.maintenanceMode", environment: "development" })).data!.configEntry.value, { timeout: 5_000 }).toBe(true);

    await expect
      .poll(
        async () => {
          const page = await ok("{ events(filter: { types: [\"config.updated\"] }, first: 50) { edges { node { payload } } } }", {});
          return page.events.edges.map((edge: { node: { payload: unknown } }) => edge.node.payload);
        },
        { timeout: 5_000 },
      )
      .toContainEqual(expect.objectContaining({ key: "app.maintenanceMode", environment: "development", version: 2, action: "SET", changedByUserId: demo.adminUserId }));
  });
});
