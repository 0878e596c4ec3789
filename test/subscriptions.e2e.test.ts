import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import WebSocket from "ws";
import { demo } from "@repti/kit";
import { login, loginAdmin, loginKeeper, signWithIdentityKey } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { liveUrl, openLiveClient, type LiveClient, type LiveResult, type LiveSubscription } from "./support/live.js";
import { dropRedisConnections, redisConnectionNames } from "./support/redis.js";
import { startTestStack, type TestStack } from "./support/stack.js";

const toggleMutation = "mutation($name: String!, $enabled: Boolean!) { toggleFeatureFlag(name: $name, enabled: $enabled) { version } }";
const setConfigMutation = "mutation($input: SetConfigInput!) { setConfig(input: $input) { version } }";
const flagChanges = `subscription($names: [String!]) {
  changed: featureFlagChanged(names: $names) { action flag { ...Flag } changedBy { email } at }
}
fragment Flag on FeatureFlag { name enabled version }`;

interface FlagChanged {
  changed: { action: string; flag: { name: string; enabled: boolean; version: number }; changedBy: { email: string } | null; at: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const aboutFlag = (name: string) => (result: LiveResult<FlagChanged>) => result.data?.changed.flag.name === name;

function suite(bus: "redis" | "in-process") {
  let stack: TestStack;
  let admin: string;
  let keeper: string;
  const clients: LiveClient[] = [];
  /** Every flag toggles between on and off: a toggle to the same state would announce nothing. */
  const flagStates = new Map<string, boolean>();

  const open = (gatewayUrl: string, params: Record<string, unknown>) => {
    const client = openLiveClient(gatewayUrl, params);
    clients.push(client);
    return client;
  };

  async function toggle(name: string, gatewayUrl = stack.gatewayUrl, token = admin): Promise<number> {
    const enabled = !(flagStates.get(name) ?? false);
    const response = await graphql(gatewayUrl, toggleMutation, { name, enabled }, bearer(token));
    if (!response.data) throw new Error(`toggle failed: ${JSON.stringify(response.errors)}`);
    flagStates.set(name, enabled);
    return response.data.toggleFeatureFlag.version as number;
  }

  async function createFlag(name: string): Promise<void> {
    const response = await graphql(stack.gatewayUrl, "mutation($name: String!) { createFeatureFlag(input: { name: $name }) { id } }", { name }, bearer(admin));
    if (!response.data) throw new Error(`create failed: ${JSON.stringify(response.errors)}`);
    flagStates.set(name, false);
  }

  /**
   * Pokes until every subscription has heard something: the protocol does not tell when the server has set a
   * subscription up, and live fan-out drops what happens before (or while a connection is down).
   */
  async function untilListening(subscriptions: LiveSubscription<any>[], poke: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
    const heard = subscriptions.map((subscription) => subscription.results.length);
    const deadline = Date.now() + timeoutMs;
    while (subscriptions.some((subscription, i) => subscription.results.length === heard[i])) {
      if (Date.now() > deadline) throw new Error("subscriptions never started listening");
      await poke();
      await sleep(150);
    }
  }

  beforeAll(async () => {
    stack = await startTestStack({ bus });
    admin = (await loginAdmin(stack)).accessToken;
    keeper = (await loginKeeper(stack)).accessToken;
    for (const name of ["live-warmup", "live-a", "live-b"]) await createFlag(name);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    await stack?.stop();
  });

  it("a toggle reaches the subscriber with its payload and who made it (aliases, fragments, variables)", async () => {
    const live = open(stack.gatewayUrl, { authorization: `Bearer ${admin}` });
    const subscription = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-a"] });
    await untilListening([subscription], () => toggle("live-warmup"));

    const before = Date.now();
    const version = await toggle("live-a");
    const { data } = await subscription.next(aboutFlag("live-a"));
    expect(data).toEqual({
      changed: { action: "TOGGLED", flag: { name: "live-a", enabled: true, version }, changedBy: { email: "admin@reptidex.dev" }, at: expect.any(String) },
    });
    expect(Date.parse(data!.changed.at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("applies the filters: names, environment and keys", async () => {
    const live = open(stack.gatewayUrl, { authorization: `Bearer ${admin}` });
    const onlyA = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-a"] });
    const onlyB = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-b"] });
    const staging = live.subscribe<{ configChanged: { key: string; environment: string; entry: { value: unknown } } }>(
      `subscription { configChanged(environment: "staging", keys: ["live.warmup", "live.watched"]) { key environment entry { value } } }`,
    );
    let warm = 0;
    await untilListening([onlyA, onlyB], () => toggle("live-warmup"));
    await untilListening([staging], () => graphql(stack.gatewayUrl, setConfigMutation, { input: { key: "live.warmup", environment: "staging", value: ++warm } }, bearer(admin)));

    await toggle("live-a");
    await toggle("live-b");
    await onlyA.next(aboutFlag("live-a"));
    await onlyB.next(aboutFlag("live-b"));
    for (const [key, environment] of [["live.other", "staging"], ["live.watched", "production"], ["live.watched", "staging"]]) {
      await graphql(stack.gatewayUrl, setConfigMutation, { input: { key, environment, value: `${key}@${environment}` } }, bearer(admin));
    }
    const watched = await staging.next((result) => result.data?.configChanged.key === "live.watched");
    expect(watched.data!.configChanged).toEqual({ key: "live.watched", environment: "staging", entry: { value: "live.watched@staging" } });
    await sleep(300);
    expect(onlyA.results.some(aboutFlag("live-b"))).toBe(false);
    expect(onlyB.results.some(aboutFlag("live-a"))).toBe(false);
    expect(staging.results.map((result) => result.data!.configChanged.key).filter((key) => key !== "live.warmup")).toEqual(["live.watched"]);
  });

  it("refuses subscribers who may not read, and requests that are not one live subscription", async () => {
    const asKeeper = open(stack.gatewayUrl, { authorization: `Bearer ${keeper}` });
    expect((await asKeeper.subscribe(flagChanges).refused)?.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);
    const anonymous = open(stack.gatewayUrl, {});
    expect((await anonymous.subscribe(flagChanges).refused)?.map((error) => error.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    for (const [query, message] of [
      ["{ featureFlags { name } }", /Only subscriptions/],
      ["subscription { featureFlagChanged { nope } }", /Cannot query field/],
      ["subscription {", /Syntax Error/],
      ["subscription { featureFlagChanged { action } configChanged { key } }", /only one top level field/],
    ] as const) {
      const errors = await anonymous.subscribe(query).refused;
      expect(errors?.map((error) => error.extensions?.code), query).toEqual(["BAD_USER_INPUT"]);
      expect(errors?.[0]?.message).toMatch(message);
    }
    // App config is public: anyone may follow it.
    const config = anonymous.subscribe<{ configChanged: { key: string } }>(`subscription { configChanged(environment: "production", keys: ["live.public"]) { key } }`);
    let n = 0;
    await untilListening([config], () => graphql(stack.gatewayUrl, setConfigMutation, { input: { key: "live.public", value: ++n } }, bearer(admin)));

    // A bad credential is refused at connect, never treated as anonymous.
    for (const params of [{ authorization: "Bearer not-a-token" }, { authorization: `Bearer ${admin}x` }, { apiKey: "rpk_abcdefghij_0123456789abcdef0123" }, { authorization: 42 }]) {
      const refused = open(stack.gatewayUrl, params);
      expect((await refused.closed).code, JSON.stringify(params)).toBe(4401);
    }
    // A subscription sent over HTTP is pointed to the WebSocket endpoint.
    const overHttp = await graphql(stack.gatewayUrl, "subscription { featureFlagChanged { action } }", {}, bearer(admin));
    expect(overHttp.status).toBe(400);
    expect(errorCodes(overHttp)).toEqual(["BAD_USER_INPUT"]);
    expect(overHttp.errors![0]!.message).toMatch(/WebSocket \(graphql-ws protocol\)/);
  });

  it("refuses the legacy subscriptions-transport-ws protocol at the handshake, saying why", async () => {
    for (const protocols of [["graphql-ws"], []]) {
      const socket = new WebSocket(liveUrl(stack.gatewayUrl), protocols);
      socket.on("error", () => {});
      const answer = await new Promise<{ status: number; type: string; body: string }>((resolve) =>
        socket.on("unexpected-response", (_request, response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"]), body }));
        }),
      );
      expect(answer).toMatchObject({ status: 400, type: "application/problem+json" });
      expect(JSON.parse(answer.body).detail).toMatch(/graphql-transport-ws.*subscriptions-transport-ws is not supported/);
    }
  });

  it("ends the subscription when the access token expires", async () => {
    const shortLived = await signWithIdentityKey(stack, { sub: demo.adminUserId, sid: randomUUID(), role: "ADMIN" }, { expiresAt: Math.floor(Date.now() / 1000) + 3 });
    const live = open(stack.gatewayUrl, { authorization: `Bearer ${shortLived}` });
    const subscription = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup"] });
    await untilListening([subscription], () => toggle("live-warmup"));
    const closed = await live.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/expired/);

    const expired = open(stack.gatewayUrl, { authorization: `Bearer ${shortLived}` });
    expect((await expired.closed).code).toBe(4401);
  });

  it("ends the subscriptions of a session that signs out, at once", async () => {
    const session = await login(stack, "admin@reptidex.dev");
    const live = open(stack.gatewayUrl, { authorization: `Bearer ${session.accessToken}` });
    const subscription = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup"] });
    await untilListening([subscription], () => toggle("live-warmup"));
    const loggedOut = await graphql(stack.gatewayUrl, "mutation($refreshToken: String) { logout(refreshToken: $refreshToken) }", { refreshToken: session.refreshToken }, bearer(session.accessToken));
    expect(loggedOut.data).toEqual({ logout: true });
    const closed = await live.closed;
    expect(closed).toEqual({ code: 4401, reason: "Session ended" });
  });

  it("authenticates API keys in connectionParams and ends their subscriptions when the key is revoked", async () => {
    const created = await graphql(
      stack.gatewayUrl,
      "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } secret } }",
      { input: { name: "dashboard", scopes: ["flag.read"] } },
      bearer(admin),
    );
    const { apiKey, secret } = created.data!.createApiKey as { apiKey: { id: string }; secret: string };
    const live = open(stack.gatewayUrl, { apiKey: secret });
    const subscription = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-b"] });
    await untilListening([subscription], () => toggle("live-warmup"));
    await toggle("live-b");
    expect((await subscription.next(aboutFlag("live-b"))).data!.changed.changedBy).toEqual({ email: "admin@reptidex.dev" });

    const bearerKey = open(stack.gatewayUrl, { authorization: `Bearer ${secret}` });
    const viaBearer = bearerKey.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup"] });
    await untilListening([viaBearer], () => toggle("live-warmup"));

    await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeApiKey(id: $id) }", { id: apiKey.id }, bearer(admin));
    expect(await live.closed).toEqual({ code: 4401, reason: "API key revoked" });
    expect((await bearerKey.closed).code).toBe(4401);
  });

  it("never announces a change that rolled back", async () => {
    const live = open(stack.gatewayUrl, { authorization: `Bearer ${admin}` });
    const subscription = live.subscribe<FlagChanged>(flagChanges);
    await untilListening([subscription], () => toggle("live-warmup"));
    await createFlag("live-doomed");
    // The flag's change and its history row are written; its event cannot be, so the whole change rolls back.
    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`create function config.refuse_doomed() returns trigger language plpgsql as $$
        begin if new.payload->>'name' = 'live-doomed' then raise exception 'refused'; end if; return new; end $$`);
      await sql.unsafe("create trigger refuse_doomed before insert on config.outbox for each row execute function config.refuse_doomed()");
      const failed = await graphql(stack.gatewayUrl, toggleMutation, { name: "live-doomed", enabled: true }, bearer(admin));
      expect(errorCodes(failed)).toEqual(["INTERNAL_SERVER_ERROR"]);
      const [flag] = await sql`select enabled, version from config.feature_flags where name = 'live-doomed' and archived_at is null`;
      expect(flag).toEqual({ enabled: false, version: 1 });
    } finally {
      await sql.unsafe("drop trigger if exists refuse_doomed on config.outbox; drop function if exists config.refuse_doomed()");
      await sql.end();
    }
    await toggle("live-a");
    await subscription.next(aboutFlag("live-a"));
    const doomedToggles = subscription.results.filter((result) => aboutFlag("live-doomed")(result) && result.data!.changed.action === "TOGGLED");
    expect(doomedToggles).toEqual([]);
  });

  it("delivers one change to 500 concurrent subscribers, resolving it once for all of them", async () => {
    const subscribers = Array.from({ length: 500 }, () =>
      open(stack.gatewayUrl, { authorization: `Bearer ${admin}` }).subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-b"] }),
    );
    await untilListening(subscribers, () => toggle("live-warmup"), 60_000);
    await sleep(500);
    const requestsBefore = await graphqlRequests("config");
    await toggle("live-b");
    await Promise.all(subscribers.map((subscription) => subscription.next(aboutFlag("live-b"), 20_000)));
    await sleep(300);
    for (const subscription of subscribers) expect(subscription.results.filter(aboutFlag("live-b"))).toHaveLength(1);
    // The toggle itself, and one resolution of the change for all 500.
    expect((await graphqlRequests("config")) - requestsBefore).toBe(2);
  }, 120_000);

  /** GraphQL requests a subgraph has answered (its Prometheus counter). */
  async function graphqlRequests(subgraph: string): Promise<number> {
    const text = await (await fetch(new URL("/metrics", stack.subgraphs.get(subgraph)!.url))).text();
    return text
      .split("\n")
      .filter((line) => line.startsWith("http_requests_total{") && line.includes('route="/graphql"'))
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
  }

  if (bus === "redis") {
    it("survives dropped Redis connections: reconnects, resubscribes, and delivers the next change", async () => {
      const live = open(stack.gatewayUrl, { authorization: `Bearer ${admin}` });
      const subscription = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-a"] });
      await untilListening([subscription], () => toggle("live-warmup"));
      const prefix = stack.env.BUS_PREFIX!;
      const subscribersBefore = (await redisConnectionNames(stack.env.REDIS_URL!, prefix)).filter((name) => name.endsWith(":bus:sub")).length;
      expect(await dropRedisConnections(stack.env.REDIS_URL!, prefix)).toBeGreaterThan(subscribersBefore);
      await expect
        .poll(async () => (await redisConnectionNames(stack.env.REDIS_URL!, prefix)).filter((name) => name.endsWith(":bus:sub")).length, { timeout: 10_000 })
        .toBe(subscribersBefore);

      // Changes made while the bus was down are lost to live fan-out; the next ones arrive.
      const heard = subscription.results.length;
      await untilListening([subscription], () => toggle("live-a"));
      expect(subscription.results.slice(heard).some(aboutFlag("live-a"))).toBe(true);
      const stillOpen = await Promise.race([live.closed.then(() => false), sleep(100).then(() => true)]);
      expect(stillOpen).toBe(true);
      expect((await graphql(stack.gatewayUrl, "{ featureFlag(name: \"live-a\") { enabled } }", {}, bearer(admin))).data).toEqual({
        featureFlag: { enabled: flagStates.get("live-a") },
      });
    });

    it("delivers to a subscriber on gateway B a toggle made through gateway A (two gateways, two config instances, one Redis)", async () => {
      const replica = await stack.startReplica(["config"]);
      const live = open(replica.gatewayUrl, { authorization: `Bearer ${admin}` });
      const subscription = live.subscribe<FlagChanged>(flagChanges, { names: ["live-warmup", "live-b"] });
      await untilListening([subscription], () => toggle("live-warmup", stack.gatewayUrl));
      const version = await toggle("live-b", stack.gatewayUrl);
      const { data } = await subscription.next(aboutFlag("live-b"));
      expect(data!.changed).toMatchObject({ action: "TOGGLED", flag: { name: "live-b", version }, changedBy: { email: "admin@reptidex.dev" } });
    });
  }
}

describe("subscriptions through the gateway on the Redis bus", () => suite("redis"));
describe("subscriptions through the gateway on the in-process bus", () => suite("in-process"));
