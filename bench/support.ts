import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { RunningSubgraph } from "@repti/kit";
import { startSupergraph, type Supergraph } from "../scripts/supergraph.js";
import { createTestDatabase } from "../test/support/database.js";

export const defaultDatabaseUrl = "postgres://postgres@127.0.0.1:5432/postgres";
export const defaultRedisUrl = "redis://127.0.0.1:6379";

export interface BenchStack {
  gatewayUrl: string;
  /** identity's own GraphQL URL, for calls that bypass the gateway. */
  identityUrl: string;
  databaseUrl: string;
  redisUrl: string;
  subgraphs: Map<string, RunningSubgraph>;
  stop(): Promise<void>;
}

/**
 * The whole supergraph in this process, as test/support/stack.ts builds it for a test file but without vitest:
 * a fresh database on DATABASE_URL (dropped at stop), a unique bus prefix on REDIS_URL (its keys deleted at
 * stop), the five subgraphs (identity first, the others trusting its JWKS) and the gateway, all on ephemeral
 * loopback ports, with the demo users seeded and logging off.
 */
export async function startBenchStack(): Promise<BenchStack> {
  const serverUrl = process.env.DATABASE_URL ?? defaultDatabaseUrl;
  const redisUrl = process.env.REDIS_URL ?? defaultRedisUrl;
  const database = await createTestDatabase(serverUrl);
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    BUS_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
    SEED_DEMO_DATA: "true",
    // The load generator stands in for many clients by sending X-Forwarded-For from loopback.
    TRUST_PROXY: "loopback",
  };
  let supergraph: Supergraph;
  try {
    supergraph = await startSupergraph(env);
  } catch (error) {
    await database.drop();
    await dropRedisKeys(redisUrl, env.BUS_PREFIX!);
    throw error;
  }
  const { subgraphs } = supergraph;
  const stop = async () => {
    await supergraph.stop();
    await database.drop();
    await dropRedisKeys(redisUrl, env.BUS_PREFIX!);
  };
  return {
    gatewayUrl: supergraph.gatewayUrl,
    identityUrl: subgraphs.get("identity")!.url,
    databaseUrl: database.url,
    redisUrl,
    subgraphs,
    stop,
  };
}

/** The run's rate-limit counters and revocations (they would expire on their own, registration's after an hour). */
async function dropRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await redis.quit().catch(() => {});
  }
}
