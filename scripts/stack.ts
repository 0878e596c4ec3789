/**
 * The whole supergraph in one process: `pnpm dev` (sources) and `pnpm start` (built output).
 * Without DATABASE_URL it starts an embedded PostgreSQL; without REDIS_URL the five subgraphs share one
 * in-process bus, which is why they run in one process here (docker-compose runs them apart, on Redis).
 */
import { fileURLToPath } from "node:url";
import { createBus, createLogger, loadConfig, baseEnv, runAsProcess, type RunningSubgraph } from "@repti/kit";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres.js";
import { startSupergraph } from "./supergraph.js";

export interface Stack {
  gatewayUrl: string;
  subgraphs: RunningSubgraph[];
  stop(): Promise<void>;
}

const defaultDataDir = fileURLToPath(new URL("../.data", import.meta.url));

export async function startStack(env: NodeJS.ProcessEnv = process.env): Promise<Stack> {
  const config = loadConfig(baseEnv, env);
  const log = createLogger("stack", config.LOG_LEVEL);
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const dataDir = env.REPTI_DATA_DIR ?? defaultDataDir;
    const port = env.EMBEDDED_POSTGRES_PORT ? Number(env.EMBEDDED_POSTGRES_PORT) : undefined;
    embedded = await startEmbeddedPostgres({ dataDir, database: "repti", ...(port ? { port } : {}) });
    databaseUrl = embedded.url;
    log.info({ dataDir }, "embedded PostgreSQL started");
  }
  const bus = createBus({ redisUrl: config.REDIS_URL, prefix: config.BUS_PREFIX, log });
  const stopShared = async () => {
    await bus.close();
    await embedded?.stop();
  };
  try {
    const supergraph = await startSupergraph({ SEED_DEMO_DATA: "true", ...env, DATABASE_URL: databaseUrl }, bus);
    return {
      gatewayUrl: supergraph.gatewayUrl,
      subgraphs: [...supergraph.subgraphs.values()],
      async stop() {
        await supergraph.stop();
        await stopShared();
      },
    };
  } catch (error) {
    await stopShared();
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAsProcess("repti-core", async () => {
    const stack = await startStack();
    const lines = [
      "",
      "repti-core is running",
      `  Gateway + Apollo Sandbox  ${stack.gatewayUrl}`,
      ...stack.subgraphs.map((subgraph) => `  ${subgraph.name.padEnd(24)} ${subgraph.url}`),
      `  Health                    ${new URL("/health/deep", stack.gatewayUrl)}`,
      `  Metrics                   ${new URL("/metrics", stack.gatewayUrl)}`,
      "Press Ctrl-C to stop.",
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return stack;
  });
}
