/**
 * Live updates and flag evaluation (section 5 of `pnpm bench`; alone: `pnpm bench:live`): toggle-to-delivery
 * latency through the gateway's subscriptions at 1, 100 and 1,000 subscribers, with a direct bus round trip and a
 * `{ __typename }` request as baselines measured in the same run, then `evaluateFlags` requests per second through
 * the gateway next to `{ __typename }` and to evaluation in process. See bench/README.md.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { createLogger, RedisBus, type EventEnvelope } from "@repti/kit";
import { parseConditions } from "../subgraphs/config/src/flags/evaluation/conditions.js";
import { evaluateFlag, type FlagRules } from "../subgraphs/config/src/flags/evaluation/evaluate.js";
import { demoPassword } from "../subgraphs/identity/src/definition.js";
import { interleave, LoadGenerator, summarize, type LatencyStats } from "./load.js";
import type { Arrivals, Heard, LiveWorkerCommand } from "./live-worker.js";
import { fmt, loadAverage, loadRow, note, ratio, row, section, us } from "./report.js";
import { startBenchStack, type BenchStack } from "./support.js";

/** From ../shared/SPEC.md: "flag toggle reaching subscribers < 20 ms". */
const toggleTargetMs = 20;
const now = () => performance.timeOrigin + performance.now();

const subscription = `subscription($names: [String!]) {
  {alias}featureFlagChanged(names: $names) { action flag { name enabled version } changedBy { email } at }
}`;

async function graphql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Record<string, any>> {
  const response = await fetch(url, {
    method: "POST",
    // Set-up calls come from an address of their own (the sign-in limit counts per address).
    headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.250", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
  if (json.errors?.length || !json.data) throw new Error(`${query.slice(0, 50)}…: ${JSON.stringify(json.errors)}`);
  return json.data;
}

/** N graphql-ws subscribers in a worker thread (bench/live-worker.ts): their own event loop, as real clients. */
class LiveSubscribers {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor() {
    // Node 20 does not run tsx's `--import` hook in workers: the worker registers it before loading the module.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const workerModule = new URL("./live-worker.ts", import.meta.url).href;
    this.worker = new Worker(`import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(workerModule)}); });`, {
      eval: true,
    });
    this.worker.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  }

  request<T>(request: LiveWorkerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    await this.request({ type: "close" });
    await this.worker.terminate();
  }
}

/** Direct bus round trip: publish on one Redis connection, hear it on another (what the gateway waits for at least). */
async function busRoundTrip(redisUrl: string, rounds: number): Promise<LatencyStats> {
  const log = createLogger("bench", "silent");
  const prefix = `bench-bus-${randomBytes(4).toString("hex")}`;
  const publisher = new RedisBus(redisUrl, prefix, log);
  const subscriber = new RedisBus(redisUrl, prefix, log);
  let heard: ((event: EventEnvelope) => void) | undefined;
  subscriber.subscribe((event) => heard?.(event));
  await subscriber.ready();
  const samples: number[] = [];
  try {
    for (let i = 0; i < rounds + 20; i++) {
      const started = performance.now();
      const arrived = new Promise<void>((resolve) => (heard = () => resolve()));
      await publisher.publish({ id: String(i), type: "config.feature.toggled", source: "bench", aggregateId: null, payload: { i }, occurredAt: new Date().toISOString() });
      await arrived;
      if (i >= 20) samples.push(performance.now() - started);
    }
  } finally {
    await Promise.all([publisher.close(), subscriber.close()]);
  }
  return summarize(samples);
}

interface DeliveryRun {
  /** Each subscriber's delivery of each toggle, ms from the toggle request. */
  deliveries: number[];
  /** The same, ms from the change's own time (`at`: its transaction, ms resolution). */
  sinceChange: number[];
  /** Per toggle: until the last subscriber had it. */
  lastDelivery: number[];
  /** Per toggle: the mutation's own round trip. */
  mutation: number[];
  /** Deliveries that carried errors instead of the change. */
  failed: number;
  firstFailure?: string;
}

const warmToggles = 5;

/** Flips a flag (a toggle to its current state would announce nothing); answers its new version. */
type Toggle = (name: string) => Promise<number>;

function toggler(stack: BenchStack, admin: string): Toggle {
  const enabled = new Map<string, boolean>();
  return async (name) => {
    const next = !(enabled.get(name) ?? false);
    const data = await graphql(stack.gatewayUrl, "mutation($name: String!, $enabled: Boolean!) { toggleFeatureFlag(name: $name, enabled: $enabled) { version } }", { name, enabled: next }, admin);
    enabled.set(name, next);
    return data.toggleFeatureFlag.version as number;
  };
}

/** Opens `count` subscribers, makes sure each listens, then toggles the flag `toggles` times, one at a time. */
async function deliveryRun(stack: BenchStack, admin: string, toggle: Toggle, count: number, toggles: number, options: { distinct: boolean }): Promise<DeliveryRun> {
  const subscribers = new LiveSubscribers();
  const names = ["bench-live", "bench-warm"];
  try {
    await subscribers.request({
      type: "open",
      url: stack.gatewayUrl.replace(/^http/, "ws"),
      connectionParams: { authorization: `Bearer ${admin}` },
      count,
      // A distinct alias per subscriber makes each selection its own group: one execution per subscriber.
      query: subscription.replace("{alias}", options.distinct ? "s{i}: " : ""),
      variables: { names },
    });
    // The protocol does not say when a subscription is set up: toggle another flag until every subscriber heard,
    // giving each toggle time to reach everyone before the next. A subscription the server refused (on a shared
    // machine, e.g. when PostgreSQL runs out of connections) is reported and left out.
    const heard = () => subscribers.request<Heard>({ type: "heard", name: "bench-warm" });
    const deadline = Date.now() + 60_000;
    let status = await heard();
    while (status.heard + status.refused < count && Date.now() < deadline) {
      await toggle("bench-warm");
      for (let wait = 0; wait < 30 && status.heard + status.refused < count; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await heard();
      }
    }
    if (status.heard === 0) throw new Error(`no subscriber is listening; first refusal: ${status.firstRefusal ?? "none"}`);
    if (status.heard < count) console.log(`    ! ${count - status.heard} of ${count} subscriptions did not start (first refusal: ${status.firstRefusal ?? "none, no event reached them"})`);
    const listening = status.heard;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const run: DeliveryRun = { deliveries: [], sinceChange: [], lastDelivery: [], mutation: [], failed: 0 };
    // The first few toggles warm the path (JIT, connection pools, query plan cache) and are not measured.
    for (let i = -warmToggles; i < toggles; i++) {
      const started = now();
      const version = await toggle("bench-live");
      const mutation = now() - started;
      const arrivals = await subscribers.request<Arrivals>({ type: "collect", name: "bench-live", version, count: listening, timeoutMs: 30_000 });
      if (i < 0) continue;
      run.mutation.push(mutation);
      run.deliveries.push(...arrivals.at.map((at) => at - started));
      run.sinceChange.push(...arrivals.sinceChange);
      if (arrivals.at.length > 0) run.lastDelivery.push(Math.max(...arrivals.at) - started);
      run.failed += arrivals.failed;
      run.firstFailure ??= arrivals.firstFailure;
    }
    return run;
  } finally {
    await subscribers.close();
  }
}

export interface LiveFigures {
  busRoundTrip: LatencyStats;
  deliveries: Record<string, LatencyStats>;
  evaluateRps: number;
  typenameRps: number;
}

export async function liveBenchmark(stack: BenchStack, load: LoadGenerator): Promise<LiveFigures> {
  section("5. Live updates: a flag toggle reaching its subscribers (featureFlagChanged over graphql-ws)");
  const signIn = async (email: string) =>
    (await graphql(stack.gatewayUrl, "mutation($input: LoginInput!) { login(input: $input) { accessToken } }", { input: { email, password: demoPassword } })).login
      .accessToken as string;
  const admin = await signIn("admin@reptidex.dev");
  const keeper = await signIn("keeper@reptidex.dev");
  for (const name of ["bench-live", "bench-warm"]) {
    await graphql(stack.gatewayUrl, "mutation($name: String!) { createFeatureFlag(input: { name: $name }) { id } }", { name }, admin);
  }
  const toggle = toggler(stack, admin);

  const bus = await busRoundTrip(stack.redisUrl, 300);
  row({ what: "baseline: bus round trip (Redis publish → subscriber)", concurrency: 1, n: 300, latency: bus });
  const typename = await load.run({ url: stack.gatewayUrl, bodies: [JSON.stringify({ query: "{ __typename }" })], headers: { authorization: `Bearer ${admin}` }, concurrency: 1, requests: 200, warmupRequests: 20 });
  loadRow("baseline: { __typename } through the gateway", 1, typename);

  const deliveries: Record<string, LatencyStats> = {};
  let lastAt1000: number[] = [];
  for (const [count, toggles] of [
    [1, 40],
    [100, 30],
    [1000, 20],
  ] as const) {
    const run = await deliveryRun(stack, admin, toggle, count, toggles, { distinct: false });
    deliveries[count] = summarize(run.deliveries);
    if (count === 1000) lastAt1000 = run.lastDelivery;
    row({ what: `toggle → delivery, ${count} subscriber${count > 1 ? "s" : ""} (one shared selection)`, concurrency: count, n: run.deliveries.length, latency: deliveries[count]!, errors: run.failed });
    if (run.firstFailure) console.log(`    ! ${run.failed} deliveries carried errors; first: ${run.firstFailure}`);
    row({ what: "  from the change's transaction (its `at`) to delivery", concurrency: count, n: run.sinceChange.length, latency: summarize(run.sinceChange) });
    row({ what: "  until the last subscriber had it", concurrency: count, n: toggles, latency: summarize(run.lastDelivery) });
    row({ what: "  the toggle mutation's own round trip", concurrency: 1, n: toggles, latency: summarize(run.mutation) });
  }
  const distinct = await deliveryRun(stack, admin, toggle, 100, 5, { distinct: true });
  const perSubscriber = summarize(distinct.deliveries);
  row({ what: "contrast: 100 subscribers, each its own selection", concurrency: 100, n: distinct.deliveries.length, latency: perSubscriber, errors: distinct.failed });
  row({ what: "  until the last subscriber had it", concurrency: 100, n: 5, latency: summarize(distinct.lastDelivery) });

  const at = (count: number) => deliveries[count]!;
  note(`p50 / p99 toggle → delivery: 1 subscriber ${fmt(at(1).p50)} / ${fmt(at(1).p99)} ms, 100 ${fmt(at(100).p50)} / ${fmt(at(100).p99)} ms, 1,000 ${fmt(at(1000).p50)} / ${fmt(at(1000).p99)} ms`);
  note(`the path a toggle takes (mutation, commit, NOTIFY, relay, Redis, one query through the gateway for the group, send) over the bare bus round trip (${us(bus.p50)} p50): ${ratio(at(1).p50, bus.p50)} at 1 subscriber`);
  note(
    `one selection shared by 1,000 subscribers: the last one has it ${fmt(summarize(lastAt1000).p50)} ms after the toggle (p50), one query for all; ` +
      `100 distinct selections (100 executions per toggle, 32 at a time) reach the last one after ${fmt(summarize(distinct.lastDelivery).p50)} ms`,
  );
  note(`target < ${toggleTargetMs} ms: p99 ${ratio(at(1).p99, toggleTargetMs)} of it at 1 subscriber, ${ratio(at(100).p99, toggleTargetMs)} at 100, ${ratio(at(1000).p99, toggleTargetMs)} at 1,000`);

  section("6. evaluateFlags through the gateway (flags served from the config subgraph's memory)");
  const flags: Array<{ name: string; input: Record<string, unknown> }> = [
    { name: "bench-everyone", input: { enabled: true } },
    { name: "bench-half", input: { enabled: true, rolloutPercentage: 50 } },
    { name: "bench-off", input: { enabled: false } },
    { name: "bench-staging", input: { enabled: true, conditions: [{ contextName: "environment", operator: "IN", values: ["staging"] }] } },
    {
      name: "bench-modern-app",
      input: { enabled: true, rolloutPercentage: 80, conditions: [{ contextName: "appVersion", operator: "SEMVER_GT", value: "2.0.0-rc.1" }, { contextName: "country", operator: "NOT_IN", values: ["XX"] }] },
    },
  ];
  for (const { name, input } of flags) {
    await graphql(stack.gatewayUrl, "mutation($input: CreateFeatureFlagInput!) { createFeatureFlag(input: $input) { id } }", { input: { name, ...input } }, admin);
  }
  const names = flags.map((flag) => flag.name);
  const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
  const evaluate = body("query($names: [String!], $context: EvaluationContext) { evaluateFlags(names: $names, context: $context) { name enabled reason } }", {
    names,
    context: { environment: "staging", attributes: { appVersion: "2.1.0", country: "NZ" } },
  });
  const spec = { url: stack.gatewayUrl, headers: { authorization: `Bearer ${keeper}` }, concurrency: 8, durationMs: 750 };
  const results = await interleave(
    load,
    {
      typename: { ...spec, bodies: [body("{ __typename }")], warmupMs: 300 },
      evaluate: { ...spec, bodies: [evaluate], warmupMs: 300 },
      direct: { ...spec, url: stack.subgraphs.get("config")!.url, bodies: [evaluate], warmupMs: 300 },
    },
    4,
  );
  loadRow("baseline: { __typename } through the gateway", 8, results.typename);
  loadRow(`evaluateFlags, ${names.length} flags, through the gateway`, 8, results.evaluate);
  loadRow(`evaluateFlags, ${names.length} flags, at the config subgraph directly`, 8, results.direct);

  const rules: FlagRules[] = flags.map(({ name, input }) => ({
    name,
    enabled: input.enabled as boolean,
    rolloutPercentage: (input.rolloutPercentage as number | undefined) ?? 100,
    conditions: parseConditions(input.conditions ?? []),
    rolloutGroupId: null,
    stickiness: "default",
    userOverrides: new Map(),
    vivariumOverrides: new Map(),
  }));
  const context = { userId: randomBytes(8).toString("hex"), environment: "staging", attributes: { appVersion: "2.1.0", country: "NZ" } };
  const evaluations = 200_000;
  const started = performance.now();
  for (let i = 0; i < evaluations; i++) evaluateFlag(rules[i % rules.length], { ...context, userId: `user-${i}` });
  const perEvaluation = (performance.now() - started) / evaluations;
  note(`in process, one flag evaluation (conditions, murmur bucket) costs ${fmt(perEvaluation * 1000, 2)} µs: ${fmt(1000 / perEvaluation / names.length, 0)} evaluateFlags of ${names.length} flags per second of CPU`);
  note(`evaluateFlags ${fmt(results.evaluate.rps, 0)} req/s through the gateway = ${ratio(results.evaluate.rps, results.typename.rps)} of { __typename } (${fmt(results.typename.rps, 0)} req/s); the difference is the query plan and the hop to config, not the evaluation`);
  return { busRoundTrip: bus, deliveries, evaluateRps: results.evaluate.rps, typenameRps: results.typename.rps };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const began = performance.now();
  console.log(`repti-core live benchmark — ${new Date().toISOString()}, node ${process.version}, ${os.availableParallelism()} cores`);
  const stack = await startBenchStack();
  const load = new LoadGenerator();
  console.log(`load average before: ${loadAverage()}`);
  try {
    await liveBenchmark(stack, load);
  } finally {
    await load.close();
    await stack.stop();
  }
  console.log(`\nload average after: ${loadAverage()}; done in ${fmt((performance.now() - began) / 1000, 1)} s`);
  process.exit(0);
}
