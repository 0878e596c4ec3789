import type { IncomingHttpHeaders } from "node:http";
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import {
  commonApolloOptions,
  createLogger,
  createHttpService,
  createTokenVerifier,
  GRAPHQL_PATH,
  jsonBody,
  loadConfig,
  readAuthContext,
  rethrowForHttp,
  ServiceMetrics,
  type AuthContext,
} from "@repti/kit";
import { gatewayEnv, subgraphUrlOverrides, type GatewayConfig, type SubgraphName } from "./config.js";
import { readSupergraph } from "./composition.js";

/** What the gateway keeps of a request: who is calling, and the headers that subgraphs verify themselves. */
export interface GatewayContext {
  auth: AuthContext;
  forwarded: Record<string, string>;
}

/** Headers passed on to subgraphs: credentials (each subgraph verifies them again) and request tracing. */
const forwardedHeaders = ["authorization", "x-api-key", "x-request-id"] as const;

function pickForwarded(headers: IncomingHttpHeaders): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of forwardedHeaders) {
    const value = headers[name];
    if (typeof value === "string") forwarded[name] = value;
  }
  return forwarded;
}

class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Requests the gateway makes on its own (no client request behind them) carry no forwarded headers.
    const forwarded = (context as Partial<GatewayContext>).forwarded ?? {};
    for (const [name, value] of Object.entries(forwarded)) request.http?.headers.set(name, value);
  }
}

export interface StartGatewayOptions {
  env?: NodeJS.ProcessEnv;
  /** Routing URLs that win over env and the supergraph (the embedded stack and tests use ephemeral ports). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  supergraphSdl?: string;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/** Probes every subgraph's liveness endpoint in parallel; fails naming the ones that did not answer 200. */
async function checkSubgraphs(urls: ReadonlyMap<string, string>): Promise<void> {
  const names = [...urls.keys()];
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const response = await fetch(new URL("/health", urls.get(name)), { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`answered ${response.status}`);
    }),
  );
  const failed = names.filter((_, index) => results[index]?.status === "rejected");
  if (failed.length > 0) throw new Error(`unhealthy: ${failed.join(", ")}`);
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const config: GatewayConfig = loadConfig(gatewayEnv, options.env ?? process.env);
  const log = createLogger("gateway", config.LOG_LEVEL);
  const metrics = new ServiceMetrics("gateway");
  const overrides = { ...subgraphUrlOverrides(config), ...options.subgraphUrls };
  const supergraphSdl = options.supergraphSdl ?? (await readSupergraph(config.SUPERGRAPH_PATH));
  const routedUrls = new Map<string, string>();

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService({ name, url }) {
      const routedUrl = overrides[name as SubgraphName] ?? url;
      if (!routedUrl) throw new Error(`No URL for subgraph ${name}`);
      routedUrls.set(name, routedUrl);
      return new SubgraphDataSource({ url: routedUrl });
    },
  });
  const verify = config.AUTH_JWKS_URL
    ? createTokenVerifier({ jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE })
    : undefined;

  let apollo: ApolloServer<GatewayContext> | undefined;
  const http = createHttpService({
    name: "gateway",
    log,
    metrics,
    healthChecks: [{ name: "subgraphs", check: () => checkSubgraphs(routedUrls) }],
    routes(app) {
      app.use(GRAPHQL_PATH, jsonBody(), (req, res, next) =>
        expressMiddleware(apollo!, {
          context: async ({ req }) => ({
            auth: await readAuthContext(req.headers, verify).catch(rethrowForHttp),
            forwarded: pickForwarded(req.headers),
          }),
        })(req, res, next),
      );
    },
  });

  const common = commonApolloOptions<GatewayContext>({ log, metrics, httpServer: http.server });
  apollo = new ApolloServer<GatewayContext>({
    gateway,
    ...common,
    // Sandbox for developers at the gateway URL; introspection stays on so Sandbox can read the schema.
    introspection: true,
    plugins: [...common.plugins!, ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })],
  });
  await apollo.start();
  const url = `${await http.listen(config.PORT, config.HOST)}${GRAPHQL_PATH}`;
  log.info({ url }, "gateway ready");

  return {
    url,
    async stop() {
      await apollo!.stop();
      log.info("gateway stopped");
    },
  };
}
