import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { startGateway, type RunningGateway, type SubgraphName } from "@repti/gateway";
import { createBus, createLogger, type EventBus, type RunningSubgraph } from "@repti/kit";
import { allSubgraphs } from "../../scripts/subgraphs.js";
import { createTestDatabase } from "./database.js";
import { testAudience, testIssuer } from "./issuer.js";

export interface TestStack {
  gatewayUrl: string;
  databaseUrl: string;
  subgraphs: Map<string, RunningSubgraph>;
  env: NodeJS.ProcessEnv;
  /** Waits until every outbox relay has published what is committed. */
  drainOutboxes(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Redis bus (default) or the in-process one. */
  bus?: "redis" | "in-process";
  seedDemoData?: boolean;
  /** Extra settings for every service. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The whole supergraph for one test file: a fresh database, a unique bus prefix, the five subgraphs and the
 * gateway on ephemeral ports, and a token issuer whose JWKS every service trusts.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const database = await createTestDatabase(inject("databaseUrl"));
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: database.url,
    BUS_PREFIX: `test-${randomBytes(4).toString("hex")}`,
    SEED_DEMO_DATA: options.seedDemoData === false ? "false" : "true",
    OUTBOX_POLL_MS: "200",
    AUTH_ISSUER: testIssuer,
    AUTH_AUDIENCE: testAudience,
    ...(options.bus === "in-process" ? {} : { REDIS_URL: inject("redisUrl") }),
    ...options.env,
  };
  // One bus for the in-process case (as in `pnpm dev`); with Redis each subgraph connects on its own.
  const sharedBus: EventBus | undefined =
    options.bus === "in-process" ? createBus({ redisUrl: undefined, prefix: env.BUS_PREFIX!, log: createLogger("test", "silent") }) : undefined;
  const subgraphs = new Map<string, RunningSubgraph>();
  let gateway: RunningGateway | undefined;
  const stop = async () => {
    await gateway?.stop();
    for (const subgraph of [...subgraphs.values()].reverse()) await subgraph.stop();
    await sharedBus?.close();
    await database.drop();
  };
  try {
    // identity first: every other service verifies access tokens against its key set.
    for (const subgraph of allSubgraphs) {
      subgraphs.set(subgraph.name, await subgraph.start({ env, ...(sharedBus ? { bus: sharedBus } : {}) }));
      env.AUTH_JWKS_URL ??= new URL("/.well-known/jwks.json", subgraphs.get("identity")!.url).toString();
    }
    const subgraphUrls = Object.fromEntries([...subgraphs].map(([name, running]) => [name, running.url])) as Record<SubgraphName, string>;
    gateway = await startGateway({ env, subgraphUrls, ...(sharedBus ? { bus: sharedBus } : {}) });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gatewayUrl: gateway.url,
    databaseUrl: database.url,
    subgraphs,
    env,
    async drainOutboxes() {
      for (const subgraph of subgraphs.values()) {
        subgraph.relay.wake();
        await subgraph.relay.idle();
      }
    },
    stop,
  };
}
