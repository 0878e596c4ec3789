import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../scripts/embedded-postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

/**
 * The suite runs against the PostgreSQL of DATABASE_URL and the Redis of REDIS_URL (CI points both at the
 * machine's servers). Without DATABASE_URL an embedded PostgreSQL is started for the run; Redis has no
 * embedded stand-in, so REDIS_URL defaults to a local server.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    dataDir = await mkdtemp(join(tmpdir(), "repti-test-pg-"));
    embedded = await startEmbeddedPostgres({ dataDir, database: "repti" });
    databaseUrl = embedded.url;
  }
  project.provide("databaseUrl", databaseUrl);
  project.provide("redisUrl", process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  return async () => {
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
