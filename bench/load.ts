import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";

/** One closed-loop load run: `concurrency` virtual clients, each sending its next request when the last one answered. */
export interface LoadSpec {
  url: string;
  concurrency: number;
  /** Measure for this long... */
  durationMs?: number;
  /** ...or until this many requests have been sent in total. */
  requests?: number;
  /** Unmeasured requests first (JIT, caches, connection set-up): for this long, or this many. */
  warmupMs?: number;
  warmupRequests?: number;
  headers?: Record<string, string>;
  /** GraphQL request bodies (JSON strings), taken round-robin, one per request. */
  bodies?: string[];
  /**
   * Each virtual client sends only `bodies[client]` (needs a body per client): no two requests in flight share one,
   * as sign-ins must not (identity checks one account's password one attempt at a time, refusing the others).
   */
  bodyPerClient?: boolean;
  /** Form-encoded POST instead of JSON (token introspection). */
  contentType?: string;
  /**
   * A distinct X-Forwarded-For per request, from 198.18.0.0/15 (RFC 2544's benchmarking range), so per-address
   * rate limits never see the same client twice. Services trust loopback proxies, so it becomes `req.ip`.
   */
  distinctClientIp?: boolean;
  /**
   * Refresh-token chains instead of `bodies`: one per virtual client, each request rotating the client's
   * current token (`refreshToken` mutation) and keeping the new one for its next request.
   */
  refreshTokens?: string[];
  /** What a successful answer looks like: GraphQL without `errors` (default), or any 200. */
  expect?: "graphql" | "status-200";
  /** Return every latency sample, so runs can be merged (see `interleave`). */
  keepSamples?: boolean;
}

export interface LatencyStats {
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Successful requests measured. */
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** Successful requests per second over the measured window. */
  rps: number;
  /** Milliseconds, successful requests only. */
  latency: LatencyStats;
  /** With `keepSamples`: each successful request's latency in ms. */
  samples?: number[];
  /** With `refreshTokens`: each chain's current token, to continue the chains in a later run. */
  refreshTokens?: string[];
}

/** Milliseconds → summary; nearest-rank percentiles. */
export function summarize(samples: number[]): LatencyStats {
  if (samples.length === 0) return { min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return {
    min: sorted[0]!,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted[sorted.length - 1]!,
  };
}

/**
 * `concurrency` clients, each calling `once` again as soon as its last call ended, until `durationMs` has passed
 * or `requests` calls have started. The slice's `elapsedMs` is its effective window: requests divided by the
 * sum of each client's own rate (its successes over the time to its last answer), so the clients that finish
 * their last call early, or late, after the deadline, do not bias the rate of short slices.
 */
export async function closedLoop(
  concurrency: number,
  limit: { durationMs?: number | undefined; requests?: number | undefined },
  once: (client: number) => Promise<{ ms: number } | { error: string }>,
): Promise<Slice> {
  const samples: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  let rate = 0;
  const begin = performance.now();
  const deadline = limit.durationMs === undefined ? Infinity : begin + limit.durationMs;
  const more = () => performance.now() < deadline && (limit.requests === undefined || started < limit.requests);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      let succeeded = 0;
      while (more()) {
        started++;
        const outcome = await once(client);
        if ("ms" in outcome) {
          samples.push(outcome.ms);
          succeeded++;
        } else {
          errors++;
          firstError ??= outcome.error;
        }
      }
      if (succeeded > 0) rate += succeeded / (performance.now() - begin);
    }),
  );
  const elapsedMs = rate > 0 ? samples.length / rate : performance.now() - begin;
  return { samples, errors, elapsedMs, ...(firstError !== undefined ? { firstError } : {}) };
}

/**
 * The load generator runs in a worker thread: its own event loop (and, on two cores, its own core), so the
 * client's work is not queued behind the gateway's and the subgraphs' on this process's loop.
 */
export class LoadGenerator {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(result: LoadResult): void; reject(error: Error): void }>();

  constructor() {
    // Node 20 does not run tsx's `--import` hook in workers: the worker registers it before loading the module.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const workerModule = new URL("./load-worker.ts", import.meta.url).href;
    this.worker = new Worker(
      `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(workerModule)}); });`,
      { eval: true },
    );
    this.worker.on("message", (message: { id: number; result?: LoadResult; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result!);
    });
    this.worker.on("error", (error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, spec });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** One measured slice of a variant: its samples (ms) and how long it took. */
export interface Slice {
  samples: number[];
  errors: number;
  firstError?: string;
  elapsedMs: number;
}

/**
 * Runs every task once per round, the order rotating each round, and merges each task's slices. On a machine
 * whose background load drifts, every variant then sees the same mix of quiet and busy moments, so their ratios
 * hold even when the absolute figures move.
 */
export async function alternate<K extends string>(rounds: number, tasks: Record<K, () => Promise<Slice>>): Promise<Record<K, LoadResult>> {
  const keys = Object.keys(tasks) as K[];
  const merged = Object.fromEntries(keys.map((key) => [key, { samples: [], errors: 0, elapsedMs: 0 } as Slice])) as Record<K, Slice>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round) % keys.length]!;
      const slice = await tasks[key]();
      const into = merged[key];
      into.samples.push(...slice.samples);
      into.errors += slice.errors;
      if (slice.firstError !== undefined) into.firstError ??= slice.firstError;
      into.elapsedMs += slice.elapsedMs;
    }
  }
  return Object.fromEntries(
    keys.map((key) => {
      const { samples, errors, firstError, elapsedMs } = merged[key];
      const result: LoadResult = { requests: samples.length, errors, elapsedMs, rps: (samples.length / elapsedMs) * 1000, latency: summarize(samples) };
      if (firstError !== undefined) result.firstError = firstError;
      return [key, result];
    }),
  ) as Record<K, LoadResult>;
}

/**
 * `alternate` over load specs: each spec's `durationMs`/`requests` is one slice, its warm-up runs before its
 * first slice only, and refresh-token chains continue from slice to slice.
 */
export function interleave<K extends string>(load: LoadGenerator, specs: Record<K, LoadSpec>, rounds: number): Promise<Record<K, LoadResult>> {
  return alternate(rounds, Object.fromEntries(Object.entries<LoadSpec>(specs).map(([key, spec]) => [key, sliceTask(load, spec)])) as Record<K, () => Promise<Slice>>);
}

/** A task running `spec` one slice at a time, carrying its state (warm-up done, chains) over. */
export function sliceTask(load: LoadGenerator, spec: LoadSpec): () => Promise<Slice> {
  let current: LoadSpec = { ...spec, keepSamples: true };
  return async () => {
    const result = await load.run(current);
    const { warmupMs: _ms, warmupRequests: _requests, ...next } = current;
    current = { ...next, ...(result.refreshTokens ? { refreshTokens: result.refreshTokens } : {}) };
    return { samples: result.samples ?? [], errors: result.errors, elapsedMs: result.elapsedMs, ...(result.firstError !== undefined ? { firstError: result.firstError } : {}) };
  };
}
