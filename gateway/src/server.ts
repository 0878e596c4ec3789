import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Request, RequestHandler } from "express";
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import proxyAddr from "proxy-addr";
import type { FormattedExecutionResult, GraphQLSchema } from "graphql";
import {
  anonymous,
  bearerToken,
  commonApolloOptions,
  createAccessTokenInspector,
  createBus,
  createLogger,
  createHttpService,
  GRAPHQL_PATH,
  jsonBody,
  loadConfig,
  rethrowForHttp,
  ServiceMetrics,
  BODY_LIMIT_BYTES,
  createSessionRevocations,
  DomainError,
  type AuthContext,
  type EventBus,
} from "@repti/kit";
import { gatewayEnv, subgraphUrlOverrides, type GatewayConfig, type SubgraphName } from "./config.js";
import { readSupergraph } from "./composition.js";
import { ApiKeyExchange, presentedApiKey } from "./api-keys.js";
import type { Credentials } from "./subscriptions/live-connection.js";
import { startLiveServer } from "./subscriptions/live-server.js";

/** What the gateway keeps of a request: who is calling, and the headers that subgraphs verify themselves. */
export interface GatewayContext {
  auth: AuthContext;
  forwarded: Record<string, string>;
}

/**
 * Headers passed on to subgraphs: credentials (each subgraph verifies them again), client, tracing. An API key
 * never goes on: subgraphs get the access token it was exchanged for instead.
 */
const forwardedHeaders = ["authorization", "x-request-id", "user-agent"] as const;

/** Who is calling, and from where (the address as this gateway's trusted-proxy setting resolved it). */
interface Caller {
  headers: IncomingHttpHeaders;
  ip: string | undefined;
}

/**
 * What subgraphs learn of the request. The client's address goes as the one X-Forwarded-For entry, so
 * subgraphs, which trust the gateway, rate-limit on it.
 */
function pickForwarded({ headers, ip }: Caller): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of forwardedHeaders) {
    const value = headers[name];
    if (typeof value === "string") forwarded[name] = value;
  }
  if (ip) forwarded["x-forwarded-for"] = ip;
  return forwarded;
}

/**
 * A WebSocket client's credentials come in `connectionParams` (browsers cannot set headers on a WebSocket):
 * `authorization` ("Bearer <access token or API key>") and `apiKey` (or `x-api-key`) mean what the headers of
 * the same names mean on HTTP.
 */
function connectionHeaders(params: Readonly<Record<string, unknown>>, request: IncomingMessage): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { "user-agent": request.headers["user-agent"], "x-request-id": request.headers["x-request-id"] };
  for (const [param, header] of [["authorization", "authorization"], ["apiKey", "x-api-key"], ["x-api-key", "x-api-key"]] as const) {
    const value = params[param];
    if (value === undefined) continue;
    if (typeof value !== "string" || headers[header] !== undefined) throw new DomainError("UNAUTHENTICATED", `connectionParams.${param} must be the one credential, as a string`);
    headers[header] = value;
  }
  return headers;
}

class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Requests the gateway makes on its own (no client request behind them) carry no forwarded headers.
    const forwarded = (context as Partial<GatewayContext>).forwarded ?? {};
    for (const [name, value] of Object.entries(forwarded)) request.http?.headers.set(name, value);
  }
}

/**
 * The issuer is the gateway URL, so discovery, the key set and the OAuth endpoints are answered here on
 * identity's behalf (status, type and body passed through).
 */
function identityPassthrough(identityUrl: () => string | undefined): RequestHandler {
  return async (req, res, next) => {
    const base = identityUrl();
    if (!base) return next();
    try {
      const target = new URL(req.originalUrl, base);
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "authorization", "accept", "user-agent"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      if (req.ip) headers["x-forwarded-for"] = req.ip;
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readRawBody(req);
      const upstream = await fetch(target, { method: req.method, headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(10_000) });
      res.status(upstream.status);
      for (const name of ["content-type", "cache-control", "pragma", "www-authenticate", "retry-after"]) {
        const value = upstream.headers.get(name);
        if (value) res.set(name, value);
      }
      res.send(Buffer.from(await upstream.arrayBuffer()));
    } catch (error) {
      next(error);
    }
  };
}

async function readRawBody(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) throw Object.assign(new Error("Request body too large"), { status: 413, type: "entity.too.large" });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A subscription sent over HTTP is pointed to the WebSocket endpoint (@apollo/gateway would fail on it). */
const subscriptionsOverWebSocket: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === "subscription") {
          rethrowForHttp(new DomainError("BAD_USER_INPUT", `Subscriptions are served over WebSocket (graphql-ws protocol) at ${GRAPHQL_PATH}`));
        }
      },
    };
  },
};

export interface StartGatewayOptions {
  env?: NodeJS.ProcessEnv;
  /** Routing URLs that win over env and the supergraph (the embedded stack and tests use ephemeral ports). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  supergraphSdl?: string;
  /** The bus shared with in-process subgraphs (the embedded stack), so revocations reach the gateway too. */
  bus?: EventBus;
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
  // Subscriptions are fed by the bus: Redis, or the bus of the embedded stack (a gateway alone without Redis
  // hears no events).
  const bus = options.bus ?? createBus({ redisUrl: config.REDIS_URL, prefix: config.BUS_PREFIX, log });
  const revocations =
    config.REDIS_URL || options.bus
      ? createSessionRevocations({ redisUrl: config.REDIS_URL, prefix: config.BUS_PREFIX, bus, log, ttlSeconds: 3660 })
      : undefined;
  const inspect = config.AUTH_JWKS_URL
    ? createAccessTokenInspector({ jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE }, undefined, revocations)
    : undefined;

  const apiKeys = new ApiKeyExchange({
    tokenEndpoint: () => {
      const identity = routedUrls.get("identity");
      return identity ? new URL("/oauth/token", identity) : undefined;
    },
    log,
  });

  /**
   * Who is calling, for HTTP requests and WebSocket connections alike: anonymous without credentials, the
   * verified access token, or an API key exchanged for an access token, which is verified and forwarded in its
   * place. A present but bad credential is UNAUTHENTICATED, never anonymous.
   */
  async function authenticate(caller: Caller): Promise<Credentials> {
    const forwarded = pickForwarded(caller);
    const apiKey = presentedApiKey(caller.headers);
    if (apiKey === undefined) {
      const token = bearerToken(caller.headers);
      if (!token) return { context: { auth: anonymous, forwarded }, expiresAt: undefined, renew: undefined };
      if (!inspect) throw new DomainError("UNAUTHENTICATED", "This server does not accept access tokens");
      const { auth, claims } = await inspect(token);
      return { context: { auth, forwarded }, expiresAt: claims.exp! * 1000, renew: undefined };
    }
    if (!inspect) throw new DomainError("UNAUTHENTICATED", "This server does not accept API keys");
    const userAgent = caller.headers["user-agent"];
    const accessToken = await apiKeys.accessToken(apiKey, { ip: caller.ip, userAgent: typeof userAgent === "string" ? userAgent : undefined });
    const { auth, claims } = await inspect(accessToken).catch((error: unknown) => {
      // Revoked since it was cached (the revocation list says so): ask identity again next time.
      apiKeys.forget(apiKey);
      throw error;
    });
    return {
      context: { auth, forwarded: { ...forwarded, authorization: `Bearer ${accessToken}` } },
      expiresAt: claims.exp! * 1000,
      renew: () => authenticate(caller),
    };
  }

  let apollo: ApolloServer<GatewayContext> | undefined;
  const http = createHttpService({
    name: "gateway",
    log,
    metrics,
    // The gateway faces clients: only a proxy named in TRUST_PROXY may say who the client is.
    trustedProxies: config.TRUST_PROXY ?? [],
    healthChecks: [{ name: "subgraphs", check: () => checkSubgraphs(routedUrls) }],
    routes(app) {
      const toIdentity = identityPassthrough(() => routedUrls.get("identity"));
      app.get(["/.well-known/jwks.json", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"], toIdentity);
      app.post(["/oauth/token", "/oauth/introspect"], toIdentity);
      app.use(GRAPHQL_PATH, jsonBody(), (req, res, next) =>
        expressMiddleware(apollo!, {
          context: ({ req }) =>
            authenticate({ headers: req.headers, ip: req.ip }).then(
              (credentials) => credentials.context,
              rethrowForHttp,
            ),
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
    plugins: [...common.plugins!, subscriptionsOverWebSocket, ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })],
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
  });
  await apollo.start();

  // @apollo/gateway plans subscriptions but does not run them: the gateway serves them itself, on its own path.
  // Express never sees a WebSocket upgrade: its client address comes from proxy-addr, the library Express uses,
  // with Express's own compiled `trust proxy` rule.
  const trusted = http.app.get("trust proxy fn") as (address: string, hop: number) => boolean;
  const live = startLiveServer({
    httpServer: http.server,
    path: GRAPHQL_PATH,
    schema: () => apiSchema,
    authenticate: (params, request) => authenticate({ headers: connectionHeaders(params, request), ip: proxyAddr(request, trusted) }),
    execute: async (query, variables, connection): Promise<FormattedExecutionResult> => {
      const response = await apollo!.executeOperation({ query, variables }, { contextValue: connection.context });
      if (response.body.kind !== "single") throw new Error("a live query answered incrementally");
      const { data, errors } = response.body.singleResult;
      return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
    },
    bus,
    revocations,
    log,
  });
  const url = `${await http.listen(config.PORT, config.HOST)}${GRAPHQL_PATH}`;
  log.info({ url }, "gateway ready");

  return {
    url,
    async stop() {
      await live.close();
      await apollo!.stop();
      apiKeys.clear();
      await revocations?.close();
      if (!options.bus) await bus.close();
      log.info("gateway stopped");
    },
  };
}
