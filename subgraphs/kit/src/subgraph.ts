import "reflect-metadata";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/index.js";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import type { Express, Request } from "express";
import type { GraphQLSchema } from "graphql";
import { gql } from "graphql-tag";
import { buildSchema, createResolversMap, type NonEmptyArray, type PubSub } from "type-graphql";
import { createTokenVerifier, readAuthContext, type AccessTokenVerifier, type AuthContext } from "./auth-context.js";
import { createSessionRevocations, type SessionRevocations } from "./revocations.js";
import { rethrowForHttp } from "./errors.js";
import { createBus, type EventBus } from "./bus.js";
import { loadConfig, subgraphEnv, type SubgraphConfig } from "./config.js";
import { applyMigrations, connectDatabase, type Database } from "./db.js";
import { commonApolloOptions } from "./apollo.js";
import { createHttpService, GRAPHQL_PATH, jsonBody } from "./http.js";
import { createLogger, type Logger } from "./logger.js";
import { ServiceMetrics } from "./metrics.js";
import { Outbox, OutboxRelay, type OutboxTable } from "./outbox.js";

/** Revocations are remembered this long: no access token lives longer (identity caps its TTL at 1 h). */
const maxAccessTokenLifetimeSeconds = 3600 + 60;

/** The Federation 2 features our subgraphs use. */
const federationLink = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.14", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

/** What a subgraph's code gets to work with. */
export interface SubgraphDeps<TTables extends Record<string, unknown>> {
  db: Database<TTables>;
  /** The connection for request work under row-level security: REQUEST_DATABASE_URL's login, else `db`. */
  requestDb: Database<TTables>;
  outbox: Outbox;
  bus: EventBus;
  log: Logger;
  config: SubgraphConfig;
  /** The raw environment, for settings of the subgraph's own (validated with `loadConfig`). */
  env: NodeJS.ProcessEnv;
  revocations: SessionRevocations;
}

/** Where a request came from (the gateway forwards the client's address and user agent). */
export interface ClientInfo {
  ipAddress: string | null;
  userAgent: string | null;
}

/** The context every resolver of every subgraph receives. */
export interface RequestContext<TServices> {
  auth: AuthContext;
  client: ClientInfo;
  log: Logger;
  services: TServices;
}

export type ReferenceResolvers = GraphQLResolverMap<unknown>;

/** A subgraph described as data: its tables, its slices and how to wire them. `main.ts` of each subgraph builds one. */
export interface SubgraphDefinition<TTables extends Record<string, unknown>, TServices, TRequestServices> {
  name: string;
  defaultPort: number;
  tables: TTables;
  outboxTable: OutboxTable;
  migrationsFolder: string;
  resolvers: NonEmptyArray<Function>;
  orphanedTypes?: Function[];
  /** `__resolveReference` of the entities this subgraph owns or extends, keyed by type name. */
  referenceResolvers?(): ReferenceResolvers;
  /** Builds the domain services once per process. */
  createServices(deps: SubgraphDeps<TTables>): TServices;
  /** What one request works with: the process-wide services plus per-request state (DataLoaders, bound to the caller). */
  forRequest(services: TServices, auth: AuthContext): TRequestServices;
  /** How this subgraph verifies access tokens, when not against AUTH_JWKS_URL (identity uses its own keys). */
  verifier?(services: TServices, deps: SubgraphDeps<TTables>): AccessTokenVerifier;
  /** Plain HTTP routes beside GraphQL (well-known documents, webhooks). */
  routes?(app: Express, services: TServices): void;
  /** Background work of the subgraph (bus consumers); the returned function ends it at stop. */
  startWorkers?(deps: SubgraphDeps<TTables>, services: TServices): Promise<() => Promise<void> | void> | (() => Promise<void> | void);
  /** Inserts the demo data of `pnpm dev`; must be idempotent. */
  seedDemoData?(deps: SubgraphDeps<TTables>): Promise<void>;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  schema: GraphQLSchema;
  relay: OutboxRelay;
  stop(): Promise<void>;
}

const declaredSubscriptionsOnly: PubSub = {
  publish() {},
  subscribe() {
    throw new Error("Subscriptions are served by the gateway");
  },
};

/** Builds the Federation 2 subgraph schema from type-graphql classes. */
export async function buildFederatedSchema(options: {
  resolvers: NonEmptyArray<Function>;
  orphanedTypes?: Function[];
  referenceResolvers?: ReferenceResolvers;
}): Promise<GraphQLSchema> {
  const typeGraphqlSchema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes ?? [],
    validate: false,
    // A subgraph may have no Query of its own; composition checks the whole.
    skipCheck: true,
    // Subgraphs only declare their Subscription fields (each gives its own `subscribe`); the gateway serves them
    // from the bus. type-graphql builds Subscription fields only with a PubSub, so it gets one that carries nothing.
    pubSub: declaredSubscriptionsOnly,
  });
  const resolvers = createResolversMap(typeGraphqlSchema) as GraphQLResolverMap<unknown>;
  for (const [typeName, reference] of Object.entries(options.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...reference } as GraphQLResolverMap<unknown>[string];
  }
  return buildSubgraphSchema({
    typeDefs: gql(`${federationLink}\n${printSchemaWithDirectives(typeGraphqlSchema)}`),
    resolvers,
  });
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** A bus shared with other services of the same process (the embedded stack); created from env otherwise. */
  bus?: EventBus;
}

/** Starts one subgraph: config, database and migrations, outbox relay, GraphQL over HTTP, health and metrics. */
export async function startSubgraph<TTables extends Record<string, unknown>, TServices, TRequestServices>(
  definition: SubgraphDefinition<TTables, TServices, TRequestServices>,
  options: StartOptions = {},
): Promise<RunningSubgraph> {
  const config = loadConfig(subgraphEnv(definition.name, definition.defaultPort), options.env ?? process.env);
  const log = createLogger(definition.name, config.LOG_LEVEL);
  const metrics = new ServiceMetrics(definition.name);
  const connect = (url: string, applicationName: string) =>
    connectDatabase({ url, poolMax: config.DB_POOL_MAX, applicationName, onQuery: () => metrics.dbQueries.inc() }, definition.tables);
  const db = connect(config.DATABASE_URL, `repti-${definition.name}`);
  const requestDb = config.REQUEST_DATABASE_URL ? connect(config.REQUEST_DATABASE_URL, `repti-${definition.name}-requests`) : db;
  const closeDatabases = async (timeout: number) => {
    await Promise.all([...new Set([db, requestDb])].map((pool) => pool.$client.end({ timeout })));
  };
  const ownsBus = !options.bus;
  const bus = options.bus ?? createBus({ redisUrl: config.REDIS_URL, prefix: config.BUS_PREFIX, log });
  const outbox = new Outbox(definition.outboxTable, definition.name);
  const env = options.env ?? process.env;
  const revocations = createSessionRevocations({
    redisUrl: config.REDIS_URL,
    prefix: config.BUS_PREFIX,
    bus,
    log,
    ttlSeconds: maxAccessTokenLifetimeSeconds,
  });
  const deps: SubgraphDeps<TTables> = { db, requestDb, outbox, bus, log, config, env, revocations };

  try {
    if (config.MIGRATE_ON_START) {
      await applyMigrations(db as Database<Record<string, unknown>>, { folder: definition.migrationsFolder, schema: definition.name, log });
    }
    if (config.SEED_DEMO_DATA) await definition.seedDemoData?.(deps);
  } catch (error) {
    await closeDatabases(1);
    await revocations.close();
    if (ownsBus) await bus.close();
    throw error;
  }

  const services = definition.createServices(deps);
  const relay = new OutboxRelay({ db: db as Database<Record<string, unknown>>, outbox, bus, source: definition.name, log, pollMs: config.OUTBOX_POLL_MS });
  const verify = definition.verifier
    ? definition.verifier(services, deps)
    : config.AUTH_JWKS_URL
      ? createTokenVerifier({ jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE }, undefined, revocations)
      : undefined;

  const schema = await buildFederatedSchema({
    resolvers: definition.resolvers,
    ...(definition.orphanedTypes ? { orphanedTypes: definition.orphanedTypes } : {}),
    ...(definition.referenceResolvers ? { referenceResolvers: definition.referenceResolvers() } : {}),
  });

  let apollo: ApolloServer<RequestContext<TRequestServices>> | undefined;
  const http = createHttpService({
    name: definition.name,
    log,
    metrics,
    // Subgraphs sit behind the gateway; by default it runs on the same host.
    trustedProxies: config.TRUST_PROXY ?? ["loopback"],
    healthChecks: [
      { name: "postgres", check: async () => void (await db.$client`select 1`) },
      ...(requestDb !== db ? [{ name: "postgres-requests", check: async () => void (await requestDb.$client`select 1`) }] : []),
      { name: "bus", check: () => bus.ping() },
    ],
    routes(app) {
      app.use(
        GRAPHQL_PATH,
        jsonBody(),
        (req, res, next) => expressMiddleware(apollo!, { context: ({ req }) => contextFor(req) })(req, res, next),
      );
      definition.routes?.(app, services);
    },
  });

  async function contextFor(req: Request): Promise<RequestContext<TRequestServices>> {
    const auth = await readAuthContext(req.headers, verify).catch(rethrowForHttp);
    const userAgent = req.headers["user-agent"];
    const client = { ipAddress: req.ip ?? null, userAgent: typeof userAgent === "string" ? userAgent.slice(0, 512) : null };
    return { auth, client, log, services: definition.forRequest(services, auth) };
  }

  const common = commonApolloOptions<RequestContext<TRequestServices>>({ log, metrics, httpServer: http.server });
  apollo = new ApolloServer<RequestContext<TRequestServices>>({
    schema,
    ...common,
    // No Apollo usage reporting here, so the per-request trace a subgraph would build is waste.
    plugins: [...common.plugins!, ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  await relay.start();
  const stopWorkers = await definition.startWorkers?.(deps, services);
  const url = await http.listen(config.PORT, config.HOST);
  log.info({ url: `${url}${GRAPHQL_PATH}` }, "subgraph ready");

  return {
    name: definition.name,
    url: `${url}${GRAPHQL_PATH}`,
    schema,
    relay,
    async stop() {
      await apollo!.stop();
      await stopWorkers?.();
      await relay.stop();
      await closeDatabases(5);
      await revocations.close();
      if (ownsBus) await bus.close();
      log.info("subgraph stopped");
    },
  };
}

/** A subgraph ready to run, its table and service types sealed inside (so a list can hold all five). */
export interface Subgraph {
  name: string;
  defaultPort: number;
  migrationsFolder: string;
  start(options?: StartOptions): Promise<RunningSubgraph>;
  /** The subgraph schema without starting anything (composition needs only this). */
  schema(): Promise<GraphQLSchema>;
}

export function defineSubgraph<TTables extends Record<string, unknown>, TServices, TRequestServices>(
  definition: SubgraphDefinition<TTables, TServices, TRequestServices>,
): Subgraph {
  return {
    name: definition.name,
    defaultPort: definition.defaultPort,
    migrationsFolder: definition.migrationsFolder,
    start: (options) => startSubgraph(definition, options),
    schema: () =>
      buildFederatedSchema({
        resolvers: definition.resolvers,
        ...(definition.orphanedTypes ? { orphanedTypes: definition.orphanedTypes } : {}),
      }),
  };
}
