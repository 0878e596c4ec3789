import { startGateway, type SubgraphName } from "@repti/gateway";
import type { EventBus, RunningSubgraph } from "@repti/kit";
import { allSubgraphs } from "./subgraphs.js";

export interface Supergraph {
  gatewayUrl: string;
  subgraphs: Map<string, RunningSubgraph>;
  stop(): Promise<void>;
}

/**
 * The five subgraphs and the gateway in this process (`pnpm dev`, the tests, the benchmarks). identity starts
 * first: every other service verifies access tokens against its key set. `<NAME>_PORT` picks a subgraph's
 * port, `PORT` the gateway's; what started is stopped again if a later start fails.
 */
export async function startSupergraph(env: NodeJS.ProcessEnv, bus?: EventBus): Promise<Supergraph> {
  const subgraphs = new Map<string, RunningSubgraph>();
  const stopSubgraphs = async () => {
    for (const subgraph of [...subgraphs.values()].reverse()) await subgraph.stop();
  };
  try {
    let jwksUrl: string | undefined;
    for (const subgraph of allSubgraphs) {
      const port = env[`${subgraph.name.toUpperCase()}_PORT`] ?? (env.PORT === "0" ? "0" : String(subgraph.defaultPort));
      const running = await subgraph.start({ env: { ...env, PORT: port, ...(jwksUrl ? { AUTH_JWKS_URL: jwksUrl } : {}) }, ...(bus ? { bus } : {}) });
      subgraphs.set(subgraph.name, running);
      jwksUrl ??= new URL("/.well-known/jwks.json", running.url).toString();
    }
    const subgraphUrls = Object.fromEntries([...subgraphs].map(([name, running]) => [name, running.url])) as Record<SubgraphName, string>;
    const gateway = await startGateway({ env: { ...env, AUTH_JWKS_URL: jwksUrl }, subgraphUrls, ...(bus ? { bus } : {}) });
    return {
      gatewayUrl: gateway.url,
      subgraphs,
      async stop() {
        await gateway.stop();
        await stopSubgraphs();
      },
    };
  } catch (error) {
    await stopSubgraphs();
    throw error;
  }
}
