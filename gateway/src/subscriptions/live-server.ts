import type { IncomingMessage, Server } from "node:http";
import type { ExecutionArgs, GraphQLError, GraphQLSchema } from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocket, WebSocketServer } from "ws";
import {
  apiKeyRevokedEvent,
  BODY_LIMIT_BYTES,
  DomainError,
  sessionEndedEvent,
  type EventBus,
  type Logger,
  type SessionRevocations,
} from "@repti/kit";
import { graphql } from "./graphql-runtime.js";
import { LiveConnection, unauthorizedCloseCode, type Credentials } from "./live-connection.js";
import { liveFields } from "./live-fields.js";
import { LiveHub, type LiveExecutor } from "./live-hub.js";
import { changeIdVariable, planLiveOperation, type LiveOperation } from "./live-operation.js";

export interface LiveServerOptions {
  httpServer: Server;
  path: string;
  /** The gateway's API schema (known once the gateway has loaded the supergraph). */
  schema(): GraphQLSchema | undefined;
  /** The same rules as HTTP requests, applied to `connectionParams`. */
  authenticate(connectionParams: Readonly<Record<string, unknown>>, request: IncomingMessage): Promise<Credentials>;
  execute: LiveExecutor<LiveConnection>;
  bus: EventBus;
  /** The sessions and API keys revoked (Redis, or fed by the bus); checked again every `recheckMs`. */
  revocations: SessionRevocations | undefined;
  log: Logger;
}

export interface LiveServer {
  close(): Promise<void>;
}

/** Subscriptions one connection may hold at once. */
const maxSubscriptionsPerConnection = 100;
/**
 * How often open connections are checked against the revocation list, in case the event announcing a revocation
 * was missed (live fan-out drops what it cannot deliver). The event normally ends them at once.
 */
const recheckMs = 30_000;
/** No change has this id: asking for it tells whether the caller may read the field's changes at all. */
const nilId = "00000000-0000-0000-0000-000000000000";

interface Subscribing {
  operation: LiveOperation;
  connection: LiveConnection;
  id: string;
}

/**
 * Never yields: the hub writes the shared, already serialized results to the socket itself (graphql-ws would
 * serialize each result once per subscriber). It ends when the client completes the subscription or the socket
 * closes, and then leaves the hub. A hand-written iterator because an async generator cannot be ended while it
 * waits.
 */
class LiveSubscription implements AsyncIterableIterator<never> {
  private finish!: () => void;
  private readonly ended: Promise<IteratorResult<never>>;

  constructor(onEnd: () => void) {
    let done = false;
    this.ended = new Promise((resolve) => {
      this.finish = () => {
        if (done) return;
        done = true;
        onEnd();
        resolve({ done: true, value: undefined });
      };
    });
  }

  next(): Promise<IteratorResult<never>> {
    return this.ended;
  }

  return(): Promise<IteratorResult<never>> {
    this.finish();
    return this.ended;
  }

  /** Completes the subscription from the server's side (graphql-ws then sends `complete`). */
  end(): void {
    this.finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function failure(message: string, code: string): GraphQLError {
  return new graphql.GraphQLError(message, { extensions: { code } });
}

/**
 * The gateway's subscriptions: a graphql-ws server on the gateway's HTTP server and GraphQL path. Connections
 * authenticate with `connectionParams` at connect (`authorization: "Bearer <token or API key>"`, or `apiKey`);
 * each subscription is validated against the supergraph, refused when the caller may not read its changes, and
 * then fed by the hub from the bus.
 */
export function startLiveServer(options: LiveServerOptions): LiveServer {
  const { log } = options;
  const hub = new LiveHub<LiveConnection>(options.bus, options.execute, log);
  hub.start(Object.values(liveFields));
  const connections = new Map<WebSocket, LiveConnection>();
  const byRevocationId = new Map<string, Set<LiveConnection>>();

  const refuseAll = (revocationId: string, reason: string) => {
    for (const connection of byRevocationId.get(revocationId) ?? []) connection.refuse(reason);
  };
  const stopFollowingRevocations = options.bus.subscribe(
    (event) => {
      const payload = event.payload as { sessionIds?: unknown; apiKeyId?: unknown };
      const ids = event.type === apiKeyRevokedEvent ? [payload.apiKeyId] : Array.isArray(payload.sessionIds) ? payload.sessionIds : [];
      for (const id of ids) if (typeof id === "string") refuseAll(id, event.type === apiKeyRevokedEvent ? "API key revoked" : "Session ended");
    },
    { types: [sessionEndedEvent, apiKeyRevokedEvent] },
  );
  const recheck = setInterval(() => {
    for (const id of byRevocationId.keys()) {
      void options.revocations
        ?.isRevoked(id)
        .then((revoked) => revoked && refuseAll(id, "Session ended"))
        .catch((error: unknown) => log.warn({ err: error }, "revocation check failed; trying again later"));
    }
  }, recheckMs);
  recheck.unref();

  /**
   * Whether the caller may read the field's changes: the owning subgraph answers, by the same rules as queries,
   * to the subscription's own query asked for a change that does not exist.
   */
  async function refusal(operation: LiveOperation, connection: LiveConnection): Promise<GraphQLError[] | undefined> {
    const probe = await options.execute(operation.query, { ...operation.variables, [changeIdVariable]: nilId }, connection);
    return probe.errors?.length ? probe.errors.map((error) => failure(error.message, String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR"))) : undefined;
  }

  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: BODY_LIMIT_BYTES,
    // A client of the legacy subscriptions-transport-ws protocol (subprotocol `graphql-ws`) is told why at the
    // handshake, rather than left with a connection that closes without a word.
    verifyClient: ({ req }, done) => {
      const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((protocol) => protocol.trim());
      if (offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) return done(true);
      const problem = {
        type: "about:blank",
        title: "Bad Request",
        status: 400,
        detail: `Subscriptions speak the graphql-ws protocol (subprotocol ${GRAPHQL_TRANSPORT_WS_PROTOCOL}); subscriptions-transport-ws is not supported`,
      };
      done(false, 400, JSON.stringify(problem), { "Content-Type": "application/problem+json" });
    },
  });
  const server = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      async onConnect({ connectionParams, extra: { socket, request } }) {
        try {
          const credentials = await options.authenticate(connectionParams ?? {}, request);
          // Gone while its credentials were checked (graphql-ws has already run onClose for it).
          if (socket.readyState !== WebSocket.OPEN) return false;
          const connection = new LiveConnection(socket, credentials, log);
          connections.set(socket, connection);
          const id = connection.revocationId;
          if (id) byRevocationId.set(id, (byRevocationId.get(id) ?? new Set()).add(connection));
          return true;
        } catch (error) {
          const refused = error instanceof DomainError;
          if (!refused) log.error({ err: error }, "could not authenticate a WebSocket connection");
          // Closed here, with the reason, before graphql-ws's generic 4403.
          socket.close(refused && error.code === "UNAUTHENTICATED" ? unauthorizedCloseCode : refused ? 4403 : 4500, refused ? error.message.slice(0, 120) : "Internal server error");
          return false;
        }
      },
      async onSubscribe({ extra: { socket } }, id, payload): Promise<ExecutionArgs | GraphQLError[]> {
        const connection = connections.get(socket)!;
        if (connection.subscriptions >= maxSubscriptionsPerConnection) {
          return [failure(`At most ${maxSubscriptionsPerConnection} subscriptions per connection`, "BAD_USER_INPUT")];
        }
        const schema = options.schema();
        if (!schema) return [failure("The gateway is still starting", "INTERNAL_SERVER_ERROR")];
        let document;
        try {
          document = graphql.parse(payload.query);
        } catch (error) {
          return [failure((error as Error).message, "BAD_USER_INPUT")];
        }
        const operation = planLiveOperation(schema, document, payload.operationName, payload.variables, liveFields);
        if (Array.isArray(operation)) return operation;
        const refused = await refusal(operation, connection);
        if (refused) return refused;
        const subscribing: Subscribing = { operation, connection, id };
        return { schema, document, variableValues: payload.variables ?? {}, contextValue: subscribing };
      },
      subscribe(args) {
        const { operation, connection, id } = args.contextValue as Subscribing;
        connection.subscriptions += 1;
        const subscription: LiveSubscription = new LiveSubscription(() => {
          leave();
          connection.subscriptions -= 1;
        });
        const leave = hub.add(operation, connection, id, () => subscription.end());
        return subscription;
      },
      onClose({ extra: { socket } }) {
        const connection = connections.get(socket);
        if (!connection) return;
        connection.dispose();
        connections.delete(socket);
        const id = connection.revocationId;
        const siblings = id ? byRevocationId.get(id) : undefined;
        siblings?.delete(connection);
        if (id && siblings?.size === 0) byRevocationId.delete(id);
      },
    },
    wss,
  );

  return {
    async close() {
      clearInterval(recheck);
      stopFollowingRevocations();
      hub.stop();
      await server.dispose();
    },
  };
}
