/**
 * Worker side of LiveSubscribers (bench/live.ts): holds N graphql-ws clients, each one connection with one
 * subscription, and records when each result arrives, on its own event loop so receiving does not queue behind
 * the gateway's work.
 */
import { performance } from "node:perf_hooks";
import { parentPort } from "node:worker_threads";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface OpenRequest {
  type: "open";
  url: string;
  connectionParams: Record<string, unknown>;
  count: number;
  /** The subscription of subscriber `i`; `{i}` in it is replaced by the subscriber's number. */
  query: string;
  variables: Record<string, unknown>;
}

/**
 * Waits until `count` subscribers received the result whose flag is `name` at `version`; answers when each arrived
 * (`now()`) and how long after the change's own time (`at`, its transaction) each arrived.
 */
export interface CollectRequest {
  type: "collect";
  name: string;
  version: number;
  count: number;
  timeoutMs: number;
}

/** How many subscribers have received anything about `name` so far, and how many subscriptions were refused. */
export interface HeardRequest {
  type: "heard";
  name: string;
}

export interface Heard {
  heard: number;
  refused: number;
  firstRefusal?: string;
}

export type LiveWorkerCommand = OpenRequest | CollectRequest | HeardRequest | { type: "close" };
type LiveWorkerRequest = LiveWorkerCommand & { id: number };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across the threads of one process. */
export const now = () => performance.timeOrigin + performance.now();

const clients: Client[] = [];
export interface Arrivals {
  at: number[];
  sinceChange: number[];
  /** Results that came with errors instead of the change (they cannot be told apart by version). */
  failed: number;
  firstFailure?: string;
}

/** `name@version` → when each subscriber's result arrived. */
const arrivals = new Map<string, Pick<Arrivals, "at" | "sinceChange">>();
const heard = new Map<string, Set<number>>();
const failures: string[] = [];
const refusals: string[] = [];
const waiters = new Set<() => void>();

function record(subscriber: number, result: { data?: unknown; errors?: unknown }): void {
  if (result.errors) {
    failures.push(JSON.stringify(result.errors).slice(0, 300));
    for (const waiter of waiters) waiter();
    return;
  }
  const data = result.data;
  const at = now();
  const sinceChange = Date.now();
  const change = Object.values((data ?? {}) as Record<string, { flag?: { name: string; version: number }; at?: string }>)[0];
  if (!change?.flag || !change.at) return;
  const key = `${change.flag.name}@${change.flag.version}`;
  const times = arrivals.get(key) ?? { at: [] as number[], sinceChange: [] as number[] };
  times.at.push(at);
  times.sinceChange.push(sinceChange - Date.parse(change.at));
  arrivals.set(key, times);
  heard.set(change.flag.name, (heard.get(change.flag.name) ?? new Set()).add(subscriber));
  for (const waiter of waiters) waiter();
}

async function open(request: OpenRequest): Promise<void> {
  for (let i = 0; i < request.count; i++) {
    const client = createClient({ url: request.url, webSocketImpl: WebSocket, connectionParams: request.connectionParams, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
    clients.push(client);
    client.subscribe(
      { query: request.query.replaceAll("{i}", String(i)), variables: request.variables },
      { next: (result) => record(i, result), error: (error) => void refusals.push(JSON.stringify(error).slice(0, 300)), complete: () => {} },
    );
    // Connections are opened a few at a time, as clients arrive; not all 1,000 in one tick.
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function collect(request: CollectRequest): Promise<Arrivals> {
  const key = `${request.name}@${request.version}`;
  const failedBefore = failures.length;
  return new Promise((resolve, reject) => {
    const check = () => {
      const times = arrivals.get(key) ?? { at: [] as number[], sinceChange: [] as number[] };
      const failed = failures.length - failedBefore;
      if (times.at.length + failed < request.count) return;
      done();
      resolve({ ...times, failed, ...(failed > 0 ? { firstFailure: failures[failedBefore] } : {}) });
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${key}: ${arrivals.get(key)?.at.length ?? 0} of ${request.count} subscribers received it within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}

async function handle(request: LiveWorkerRequest): Promise<unknown> {
  switch (request.type) {
    case "open":
      return open(request);
    case "collect":
      return collect(request);
    case "heard":
      return { heard: heard.get(request.name)?.size ?? 0, refused: refusals.length, ...(refusals.length > 0 ? { firstRefusal: refusals[0] } : {}) } satisfies Heard;
    case "close":
      await Promise.allSettled(clients.splice(0).map((client) => client.dispose()));
      arrivals.clear();
      heard.clear();
      failures.length = 0;
      refusals.length = 0;
      return undefined;
  }
}

parentPort?.on("message", (request: LiveWorkerRequest) => {
  handle(request).then(
    (result) => parentPort!.postMessage({ id: request.id, result }),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
