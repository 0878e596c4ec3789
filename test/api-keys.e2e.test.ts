import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const keyFields = "id name prefix scopes vivariumId expiresAt lastUsedAt createdAt";
const createMutation = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { ${keyFields} } secret } }`;
const flagsQuery = "{ featureFlags { name enabled } }";
const eventsQuery = "{ events(first: 5) { edges { node { type } } } }";

interface CreatedKey {
  apiKey: { id: string; name: string; prefix: string; scopes: string[]; expiresAt: string | null; lastUsedAt: string | null };
  secret: string;
}

async function createKey(token: string, input: Record<string, unknown>): Promise<CreatedKey> {
  const response = await graphql(stack.gatewayUrl, createMutation, { input }, bearer(token));
  if (!response.data?.createApiKey) throw new Error(`createApiKey failed: ${JSON.stringify(response.errors)}`);
  return response.data.createApiKey as CreatedKey;
}

const apiKeyHeader = (key: string) => ({ "x-api-key": key });

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** identity's token endpoint, called directly (not through the gateway and its cache). */
async function exchangeAtIdentity(key: string) {
  const clientId = key.split("_").slice(0, 2).join("_");
  const response = await fetch(new URL("/oauth/token", stack.subgraphs.get("identity")!.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: key }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Requests identity's token endpoint has answered so far (its Prometheus counter). */
async function tokenRequestsAtIdentity(): Promise<number> {
  const text = await (await fetch(new URL("/metrics", stack.subgraphs.get("identity")!.url))).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("http_requests_total{") && line.includes('route="/oauth/token"'))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

async function countKeys(): Promise<number> {
  return withSql(stack, async (sql) => {
    const [row] = await sql`select count(*)::int as n from identity.api_keys`;
    return row!.n as number;
  });
}

describe("creating and listing API keys", () => {
  it("shows the secret once; apiKeys and the table never hold it", async () => {
    const created = await createKey(admin, { name: "  flag reader  ", scopes: ["flag.read", "flag.read", "config.read"] });
    expect(created.secret).toMatch(/^rpk_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({ name: "flag reader", scopes: ["flag.read", "config.read"], expiresAt: null, lastUsedAt: null });
    expect(created.secret.startsWith(`${created.apiKey.prefix}_`)).toBe(true);

    const listed = await graphql(stack.gatewayUrl, `{ apiKeys { ${keyFields} } }`, {}, bearer(admin));
    expect(listed.data!.apiKeys).toContainEqual(created.apiKey);
    const secretPart = created.secret.split("_").slice(2).join("_");
    expect(JSON.stringify(listed)).not.toContain(secretPart);
    // There is no field to read it back with.
    expect(errorCodes(await graphql(stack.gatewayUrl, "{ apiKeys { secret } }", {}, bearer(admin)))).toEqual(["BAD_USER_INPUT"]);

    await withSql(stack, async (sql) => {
      const [row] = await sql`select * from identity.api_keys where id = ${created.apiKey.id}`;
      expect(JSON.stringify(row)).not.toContain(secretPart);
      expect(row!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    // Each user sees their own keys only.
    const keepers = await graphql(stack.gatewayUrl, "{ apiKeys { id } }", {}, bearer(keeper));
    expect(keepers.data!.apiKeys).not.toContainEqual({ id: created.apiKey.id });
  });

  it("refuses bad input with BAD_USER_INPUT and stores nothing", async () => {
    const before = await countKeys();
    const attempts: Record<string, unknown>[] = [
      { name: "unknown scope", scopes: ["flag.read", "animals.eat"] },
      { name: "   ", scopes: ["config.read"] },
      { name: "x".repeat(101), scopes: ["config.read"] },
      { name: "no scopes", scopes: [] },
      { name: "past", scopes: ["config.read"], expiresAt: new Date(Date.now() - 60_000).toISOString() },
      { name: "bad vivarium", scopes: ["config.read"], vivariumId: "not-an-id" },
    ];
    for (const input of attempts) {
      const response = await graphql(stack.gatewayUrl, createMutation, { input }, bearer(admin));
      expect(errorCodes(response), JSON.stringify(input)).toEqual(["BAD_USER_INPUT"]);
    }
    const unknown = await graphql(stack.gatewayUrl, createMutation, { input: attempts[0] }, bearer(admin));
    expect(unknown.errors![0]!.extensions).toMatchObject({ field: "scopes", unknown: ["animals.eat"] });
    expect(await countKeys()).toBe(before);
  });

  it("a key never grants more than its owner may: admin-only scopes are FORBIDDEN to a USER", async () => {
    const before = await countKeys();
    for (const scope of ["flag.read", "flag.write", "config.write", "events.read"]) {
      const response = await graphql(stack.gatewayUrl, createMutation, { input: { name: "too much", scopes: [scope] } }, bearer(keeper));
      expect(errorCodes(response), scope).toEqual(["FORBIDDEN"]);
    }
    expect(await countKeys()).toBe(before);
    const allowed = await createKey(keeper, { name: "config reader", scopes: ["config.read", "auth.introspect"] });
    expect(allowed.apiKey.scopes).toEqual(["config.read", "auth.introspect"]);
  });

  it("only signed-in users manage keys: anonymous is UNAUTHENTICATED, an API key is FORBIDDEN", async () => {
    const input = { name: "nope", scopes: ["config.read"] };
    expect(errorCodes(await graphql(stack.gatewayUrl, createMutation, { input }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, "{ apiKeys { id } }"))).toEqual(["UNAUTHENTICATED"]);
    const { secret } = await createKey(admin, { name: "all scopes", scopes: ["flag.read", "flag.write", "config.write", "events.read"] });
    expect(errorCodes(await graphql(stack.gatewayUrl, createMutation, { input }, apiKeyHeader(secret)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, "{ apiKeys { id } }", {}, apiKeyHeader(secret)))).toEqual(["FORBIDDEN"]);
  });
});

describe("using API keys through the gateway", () => {
  it("works with Authorization: Bearer and with x-api-key; identity is asked once, not per request", async () => {
    const { secret } = await createKey(admin, { name: "flags", scopes: ["flag.read"] });
    const before = await tokenRequestsAtIdentity();
    for (const headers of [bearer(secret), apiKeyHeader(secret), bearer(secret), apiKeyHeader(secret), bearer(secret)]) {
      const response = await graphql(stack.gatewayUrl, flagsQuery, {}, headers);
      expect(response.errors).toBeUndefined();
      // The config subgraph verified a JWT (it cannot read an API key): the gateway forwarded the exchanged token.
      expect(response.data!.featureFlags.map((flag: { name: string }) => flag.name)).toEqual(
        expect.arrayContaining(["pedigree-explorer", "clutch-reminders"]),
      );
    }
    expect((await tokenRequestsAtIdentity()) - before).toBe(1);
  });

  it("enforces scopes: FORBIDDEN without the scope, data with it", async () => {
    const configOnly = (await createKey(admin, { name: "config only", scopes: ["config.read"] })).secret;
    const flags = (await createKey(admin, { name: "flags", scopes: ["flag.read"] })).secret;
    const events = (await createKey(admin, { name: "events", scopes: ["events.read"] })).secret;

    const denied = await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(configOnly));
    expect(errorCodes(denied)).toEqual(["FORBIDDEN"]);
    expect(denied.errors![0]!.message).toMatch(/flag\.read|admins/);
    expect(errorCodes(await graphql(stack.gatewayUrl, eventsQuery, {}, apiKeyHeader(configOnly)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, eventsQuery, {}, apiKeyHeader(flags)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(events)))).toEqual(["FORBIDDEN"]);

    expect((await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(flags))).data!.featureFlags.length).toBeGreaterThan(0);
    const eventLog = await graphql(stack.gatewayUrl, eventsQuery, {}, bearer(events));
    expect(eventLog.errors).toBeUndefined();
    expect(Array.isArray(eventLog.data!.events.edges)).toBe(true);
    // Public data needs no scope.
    expect((await graphql(stack.gatewayUrl, "{ plans { name } }", {}, apiKeyHeader(configOnly))).data!.plans.length).toBeGreaterThan(0);
  });

  it("refuses bad keys with UNAUTHENTICATED (401), in the GraphQL error format", async () => {
    const { secret } = await createKey(admin, { name: "real", scopes: ["flag.read"] });
    const wrongSecret = `${secret.slice(0, -4)}${secret.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    const unknownPrefix = `rpk_zzzzzzzzzz_${secret.split("_").slice(2).join("_")}`;
    const blank = await graphql(stack.gatewayUrl, flagsQuery, {}, { "x-api-key": "" });
    expect(blank.status).toBe(401);
    expect(errorCodes(blank)).toEqual(["UNAUTHENTICATED"]);
    for (const key of ["rpk_garbage", wrongSecret, unknownPrefix]) {
      for (const headers of [bearer(key), apiKeyHeader(key)]) {
        const response = await graphql(stack.gatewayUrl, flagsQuery, {}, headers);
        expect(response.status, key).toBe(401);
        expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
        expect(response.data ?? null).toBeNull();
      }
    }
    // Two credentials at once are not guessed between.
    const both = await graphql(stack.gatewayUrl, flagsQuery, {}, { ...apiKeyHeader(secret), ...bearer(admin) });
    expect(both.status).toBe(401);
    expect(errorCodes(both)).toEqual(["UNAUTHENTICATED"]);
  });

  it("a revoked key is refused: by identity at once, and by the gateway despite its cache", async () => {
    const { apiKey, secret } = await createKey(admin, { name: "to revoke", scopes: ["flag.read"] });
    expect((await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(secret))).errors).toBeUndefined();
    expect((await exchangeAtIdentity(secret)).status).toBe(200);

    const revoke = await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeApiKey(id: $id) }", { id: apiKey.id }, bearer(admin));
    expect(revoke.data).toEqual({ revokeApiKey: true });
    const again = await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeApiKey(id: $id) }", { id: apiKey.id }, bearer(admin));
    expect(again.data).toEqual({ revokeApiKey: false });

    // identity refuses new exchanges at once.
    expect(await exchangeAtIdentity(secret)).toEqual({ status: 401, body: { error: "invalid_client", error_description: expect.any(String) } });
    // The gateway still holds a token for the key (reused for up to 60 s), but the key is on the revocation list
    // that every verifier reads (shared through Redis), so that token is refused too.
    const refused = await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(secret));
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(["UNAUTHENTICATED"]);
    const listed = await graphql(stack.gatewayUrl, "{ apiKeys { id } }", {}, bearer(admin));
    expect(listed.data!.apiKeys).not.toContainEqual({ id: apiKey.id });
  });

  it("an expired key is refused", async () => {
    // Seconds of life: enough that a loaded machine still uses the key before it expires.
    const expiresAt = new Date(Date.now() + 6_000);
    const { apiKey, secret } = await createKey(admin, { name: "short-lived", scopes: ["flag.read"], expiresAt: expiresAt.toISOString() });
    expect(apiKey.expiresAt).toBe(expiresAt.toISOString());
    const exchanged = await exchangeAtIdentity(secret);
    // Its tokens never outlive the key.
    expect(exchanged.body.expires_in).toBeLessThanOrEqual(6);
    expect((await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(secret))).errors).toBeUndefined();

    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 200));
    expect((await exchangeAtIdentity(secret)).status).toBe(401);
    const refused = await graphql(stack.gatewayUrl, flagsQuery, {}, apiKeyHeader(secret));
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(["UNAUTHENTICATED"]);
  });

  it("records last use (batched, within seconds)", async () => {
    const { apiKey, secret } = await createKey(admin, { name: "usage", scopes: ["flag.read"] });
    const startedAt = Date.now();
    expect((await graphql(stack.gatewayUrl, flagsQuery, {}, bearer(secret))).errors).toBeUndefined();
    const lastUsedAt = await waitFor(async () => {
      const listed = await graphql(stack.gatewayUrl, "{ apiKeys { id lastUsedAt } }", {}, bearer(admin));
      const key = listed.data!.apiKeys.find((candidate: { id: string }) => candidate.id === apiKey.id);
      return key?.lastUsedAt ?? undefined;
    });
    expect(new Date(lastUsedAt).getTime()).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(new Date(lastUsedAt).getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe("revoking", () => {
  it("another user's key, or no key at all, is NOT_FOUND and stays usable", async () => {
    const { apiKey, secret } = await createKey(admin, { name: "admin's", scopes: ["flag.read"] });
    const revoke = (id: string, token: string) => graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeApiKey(id: $id) }", { id }, bearer(token));
    expect(errorCodes(await revoke(apiKey.id, keeper))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await revoke("00000000-0000-4000-8000-00000000ffff", keeper))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await revoke("not-an-id", keeper))).toEqual(["NOT_FOUND"]);
    expect((await exchangeAtIdentity(secret)).status).toBe(200);
  });
});
