import { randomBytes, randomInt } from "node:crypto";
import { createServer } from "node:net";
import postgres from "postgres";
import { inject } from "vitest";
import { startGateway, type SubgraphName } from "@repti/gateway";
import { createBus, createLogger, type EventBus, type RunningSubgraph } from "@repti/kit";
import { allSubgraphs } from "../../scripts/subgraphs.js";
import { startSupergraph, type Supergraph } from "../../scripts/supergraph.js";
import { createTestDatabase } from "./database.js";
import { testAudience, testIssuer } from "./issuer.js";

export interface TestStack {
  gatewayUrl: string;
  databaseUrl: string;
  subgraphs: Map<string, RunningSubgraph>;
  env: NodeJS.ProcessEnv;
  /** Waits until every outbox relay has published what is committed. */
  drainOutboxes(): Promise<void>;
  /**
   * Second instances of the gateway and of the named subgraphs, on this stack's database and bus, as a scaled-out
   * deployment runs them: the new gateway routes to the new instances, and to this stack's for the others.
   * Stopped with the stack.
   */
  startReplica(subgraphNames: readonly SubgraphName[], extraEnv?: NodeJS.ProcessEnv): Promise<Replica>;
  stop(): Promise<void>;
}

export interface Replica {
  gatewayUrl: string;
  subgraphs: Map<string, RunningSubgraph>;
}

export interface TestStackOptions {
  /** Redis bus (default) or the in-process one. */
  bus?: "redis" | "in-process";
  seedDemoData?: boolean;
  /** Extra settings for every service. */
  env?: NodeJS.ProcessEnv;
  /**
   * The gateway is the token issuer, as in production: it listens on a port chosen up front and every service
   * gets AUTH_ISSUER = its origin (OAuth clients check the discovered issuer against the URL they asked). Off by
   * default: tokens then carry the fixed `testIssuer` that the test helpers sign with.
   */
  issuerAtGateway?: boolean;
}

/**
 * A free port below Linux's ephemeral range (32768+), so no outgoing connection takes it between this check and
 * the gateway's listen.
 */
async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = randomInt(20_000, 32_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, host, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port for the gateway");
}

/**
 * The whole supergraph for one test file: a fresh database, a unique bus prefix, the five subgraphs and the
 * gateway on ephemeral ports, and a token issuer whose JWKS every service trusts.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const database = await createTestDatabase(inject("databaseUrl"));
  const gatewayPort = options.issuerAtGateway ? await freePort("127.0.0.1") : undefined;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: gatewayPort ? String(gatewayPort) : "0",
    // Every subgraph on an ephemeral port, whatever the gateway's.
    ...Object.fromEntries(allSubgraphs.map((subgraph) => [`${subgraph.name.toUpperCase()}_PORT`, "0"])),
    DATABASE_URL: database.url,
    BUS_PREFIX: `test-${randomBytes(4).toString("hex")}`,
    SEED_DEMO_DATA: options.seedDemoData === false ? "false" : "true",
    OUTBOX_POLL_MS: "200",
    // Tests stand in for many clients by sending X-Forwarded-For from loopback.
    TRUST_PROXY: "loopback",
    AUTH_ISSUER: gatewayPort ? `http://127.0.0.1:${gatewayPort}` : testIssuer,
    AUTH_AUDIENCE: testAudience,
    ...(options.bus === "in-process" ? {} : { REDIS_URL: inject("redisUrl") }),
    ...options.env,
  };
  // One bus for the in-process case (as in `pnpm dev`); with Redis each subgraph connects on its own.
  const sharedBus: EventBus | undefined =
    options.bus === "in-process" ? createBus({ redisUrl: undefined, prefix: env.BUS_PREFIX!, log: createLogger("test", "silent") }) : undefined;
  let supergraph: Supergraph;
  try {
    supergraph = await startSupergraph(env, sharedBus);
  } catch (error) {
    await sharedBus?.close();
    await database.drop();
    throw error;
  }
  const { subgraphs } = supergraph;
  const replicas: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopReplica of replicas.splice(0)) await stopReplica();
    await supergraph.stop();
    await sharedBus?.close();
    await database.drop();
  };
  return {
    gatewayUrl: supergraph.gatewayUrl,
    databaseUrl: database.url,
    subgraphs,
    env,
    async drainOutboxes() {
      for (const subgraph of subgraphs.values()) {
        subgraph.relay.wake();
        await subgraph.relay.idle();
      }
    },
    async startReplica(subgraphNames, extraEnv = {}) {
      const jwks = { AUTH_JWKS_URL: new URL("/.well-known/jwks.json", subgraphs.get("identity")!.url).toString() };
      const replicaEnv = { ...env, ...jwks, PORT: "0", ...extraEnv };
      const started = new Map<string, RunningSubgraph>();
      let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
      replicas.push(async () => {
        await gateway?.stop();
        for (const subgraph of started.values()) await subgraph.stop();
      });
      for (const subgraph of allSubgraphs.filter((candidate) => subgraphNames.includes(candidate.name as SubgraphName))) {
        started.set(subgraph.name, await subgraph.start({ env: replicaEnv, ...(sharedBus ? { bus: sharedBus } : {}) }));
      }
      const routes = Object.fromEntries([...subgraphs, ...started].map(([name, running]) => [name, running.url]));
      gateway = await startGateway({ env: replicaEnv, subgraphUrls: routes, ...(sharedBus ? { bus: sharedBus } : {}) });
      return { gatewayUrl: gateway.url, subgraphs: started };
    },
    stop,
  };
}

/** Runs `work` with a connection to the stack's database (tests look at rows directly to prove what changed). */
export async function withSql<T>(stack: Pick<TestStack, "databaseUrl">, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}
