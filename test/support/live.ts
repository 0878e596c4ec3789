import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** What a subscription received, in order. */
export interface LiveResult<TData = Record<string, any>> {
  data?: TData | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface LiveSubscription<TData = Record<string, any>> {
  results: LiveResult<TData>[];
  /** The subscription's `error` message (the server refused it), once received. */
  refused: Promise<LiveResult["errors"]>;
  /** Resolves when the server completes the subscription. */
  completed: Promise<void>;
  /** Resolves with the first result (from now on, or already received) that `match` accepts. */
  next(match?: (result: LiveResult<TData>) => boolean, timeoutMs?: number): Promise<LiveResult<TData>>;
  unsubscribe(): void;
}

export interface LiveClient {
  client: Client;
  /** Resolves when the connection closes, with the server's close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  subscribe<TData = Record<string, any>>(query: string, variables?: Record<string, unknown>): LiveSubscription<TData>;
  dispose(): Promise<void>;
}

/** The gateway's WebSocket URL for its HTTP one (same path). */
export const liveUrl = (gatewayUrl: string) => gatewayUrl.replace(/^http/, "ws");

/** A graphql-ws client on the gateway, as an admin dashboard would open one; it never reconnects on its own. */
export function openLiveClient(gatewayUrl: string, connectionParams: Record<string, unknown> = {}): LiveClient {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: liveUrl(gatewayUrl),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    // Errors surface through `closed` and the subscriptions' sinks.
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  return {
    client,
    closed,
    subscribe<TData>(query: string, variables: Record<string, unknown> = {}): LiveSubscription<TData> {
      const results: LiveResult<TData>[] = [];
      const waiters = new Set<() => void>();
      let onRefused!: (errors: LiveResult["errors"]) => void;
      const refused = new Promise<LiveResult["errors"]>((resolve) => (onRefused = resolve));
      let onCompleted!: () => void;
      const completed = new Promise<void>((resolve) => (onCompleted = resolve));
      const unsubscribe = client.subscribe<TData>(
        { query, variables },
        {
          next: (result) => {
            results.push(result as LiveResult<TData>);
            for (const waiter of waiters) waiter();
          },
          // An `error` message carries GraphQL errors; a closed connection arrives as its close event.
          error: (error) =>
            onRefused(Array.isArray(error) ? (error as LiveResult["errors"]) : [{ message: `connection closed: ${(error as { reason?: string }).reason ?? String(error)}` }]),
          complete: () => onCompleted(),
        },
      );
      return {
        results,
        refused,
        completed,
        unsubscribe,
        next(match = () => true, timeoutMs = 10_000) {
          return new Promise((resolve, reject) => {
            let seen = 0;
            const check = () => {
              for (; seen < results.length; seen++) {
                if (match(results[seen]!)) {
                  cleanup();
                  resolve(results[seen]!);
                  return;
                }
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              reject(new Error(`no matching result within ${timeoutMs} ms; received ${JSON.stringify(results)}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
      };
    },
    async dispose() {
      await client.dispose();
    },
  };
}
