/**
 * Worker side of LoadGenerator (bench/load.ts): sends the requests of one LoadSpec at a time over keep-alive
 * connections and answers with the measured figures.
 */
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { parentPort } from "node:worker_threads";
import { closedLoop, summarize, type LoadResult, type LoadSpec } from "./load.js";

const refreshMutation = "mutation($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { accessToken refreshToken } }";

/** Never reused across runs: every request of the whole benchmark comes from an address of its own. */
let ipCounter = 0;
function nextClientIp(): string {
  const n = ipCounter++ % (1 << 17);
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

interface Answer {
  status: number;
  body: string;
}

function send(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body).toString() } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Why an answer is not a success, or undefined when it is. */
function failure(spec: LoadSpec, answer: Answer): string | undefined {
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (spec.expect === "status-200") return undefined;
  try {
    const parsed = JSON.parse(answer.body) as { errors?: unknown[] };
    return parsed.errors?.length ? `GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 300)}` : undefined;
  } catch {
    return `not JSON: ${answer.body.slice(0, 300)}`;
  }
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const bodies = spec.bodies ?? [];
  const chains = spec.refreshTokens ? [...spec.refreshTokens] : undefined;
  if (chains && chains.length < spec.concurrency) throw new Error("refreshTokens: one chain per virtual client is needed");
  if (!chains && bodies.length === 0) throw new Error("LoadSpec needs bodies or refreshTokens");
  if (spec.bodyPerClient && bodies.length < spec.concurrency) throw new Error("bodyPerClient: one body per virtual client is needed");
  let sent = 0;

  /** One request of virtual client `client`; its latency in ms, or the reason it failed. */
  async function once(client: number): Promise<{ ms: number } | { error: string }> {
    const headers: Record<string, string> = { "content-type": spec.contentType ?? "application/json", ...spec.headers };
    if (spec.distinctClientIp) headers["x-forwarded-for"] = nextClientIp();
    const body = chains
      ? JSON.stringify({ query: refreshMutation, variables: { refreshToken: chains[client] } })
      : bodies[spec.bodyPerClient ? client : sent % bodies.length]!;
    sent++;
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await send(agent, url, headers, body);
    } catch (error) {
      return { error: String(error) };
    }
    const ms = performance.now() - started;
    const failed = failure(spec, answer);
    if (failed) return { error: failed };
    if (chains) chains[client] = (JSON.parse(answer.body) as { data: { refreshToken: { refreshToken: string } } }).data.refreshToken.refreshToken;
    return { ms };
  }

  try {
    if (spec.warmupMs || spec.warmupRequests) await closedLoop(spec.concurrency, { durationMs: spec.warmupMs, requests: spec.warmupRequests }, once);
    const measured = await closedLoop(spec.concurrency, { durationMs: spec.durationMs, requests: spec.requests }, once);
    return {
      requests: measured.samples.length,
      errors: measured.errors,
      ...(measured.firstError ? { firstError: measured.firstError } : {}),
      elapsedMs: measured.elapsedMs,
      rps: (measured.samples.length / measured.elapsedMs) * 1000,
      latency: summarize(measured.samples),
      ...(spec.keepSamples ? { samples: measured.samples } : {}),
      ...(chains ? { refreshTokens: chains } : {}),
    };
  } finally {
    agent.destroy();
  }
}

parentPort!.on("message", (message: { id: number; spec: LoadSpec }) => {
  run(message.spec).then(
    (result) => parentPort!.postMessage({ id: message.id, result }),
    (error: unknown) => parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
