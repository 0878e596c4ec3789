/**
 * `pnpm bench`: sign-in cost, the gateway's token-verification overhead, token issue and introspection, live
 * updates and flag evaluation (bench/live.ts), each printed next to a baseline measured in the same run (see
 * bench/README.md). A benchmark, not a test: it prints and exits 0.
 */
import { createPublicKey, randomBytes, verify as cryptoVerify } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { generateKeyPair, SignJWT, type JWK } from "jose";
import { createLogger, createSessionRevocations, createTokenVerifier, InProcessBus } from "@repti/kit";
import { demoPassword } from "../subgraphs/identity/src/definition.js";
import { OWASP_ARGON2ID, PasswordHasher } from "../subgraphs/identity/src/passwords/password-hasher.js";
import { alternate, closedLoop, interleave, LoadGenerator, sliceTask, summarize, type LoadResult, type Slice } from "./load.js";
import { fmt, loadAverage, loadRow, note, ratio, row, section, us } from "./report.js";
import { startBenchStack, type BenchStack } from "./support.js";
import { liveBenchmark } from "./live.js";

/** Targets from ../shared/SPEC.md ("to beat, not to match"). */
const targets = { tokenIssueMs: 50, introspectionMs: 20, requestsPerSecond: 5000 };

const loginMutation = "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }";
const registerMutation = "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }";
const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });

// ---------------------------------------------------------------------------------------------------------
// In-process measurement helpers

/** Runs `fn` `n` times one after another; milliseconds per call. */
async function timeSequential(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

/** `fn` in a closed loop on this thread, as one slice for `alternate`. */
function inProcessSlice(concurrency: number, limit: { durationMs?: number; requests?: number }, fn: () => Promise<unknown>): () => Promise<Slice> {
  return () =>
    closedLoop(concurrency, limit, async () => {
      const started = performance.now();
      await fn();
      return { ms: performance.now() - started };
    });
}

async function graphql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: body(query, variables) });
  const json = (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
  if (json.errors?.length || !json.data) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(json.errors)}`);
  return json.data;
}

/** Addresses for the few set-up calls made from this thread (the load worker uses 198.18.0.0/15). */
let setupIp = 0;
const nextSetupIp = () => `203.0.113.${++setupIp}`;

// ---------------------------------------------------------------------------------------------------------
// 0. The harness itself: a no-op HTTP server on this thread, driven by the load worker

async function harnessCeiling(load: LoadGenerator) {
  section("0. Harness ceiling: a Node HTTP server answering a constant body (no Express, no GraphQL)");
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.setHeader("content-type", "application/json").end('{"data":{"__typename":"Query"}}'));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const spec = { url, bodies: [body("{ __typename }")], warmupMs: 500 };
  const one = await load.run({ ...spec, concurrency: 1, durationMs: 2000 });
  loadRow("no-op HTTP server", 1, one);
  const many = await load.run({ ...spec, concurrency: 8, durationMs: 3000 });
  loadRow("no-op HTTP server", 8, many);
  note(`the load generator and one Node event loop top out near ${fmt(many.rps, 0)} req/s here: ${ratio(many.rps, targets.requestsPerSecond)} the ${targets.requestsPerSecond} req/s target, before any gateway work`);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { one, many };
}

// ---------------------------------------------------------------------------------------------------------
// 1. Login

interface Account {
  email: string;
  password: string;
}

async function registerAccounts(stack: BenchStack, count: number): Promise<Account[]> {
  const accounts: Account[] = [];
  const tag = randomBytes(3).toString("hex");
  for (let i = 0; i < count; i++) {
    const account = { email: `bench-${tag}-${i}@example.com`, password: `Corn snake ${randomBytes(6).toString("hex")} basks at noon` };
    // Straight to identity, each from an address of its own (registration allows 10 per address per hour).
    await graphql(stack.identityUrl, registerMutation, { input: account }, { "x-forwarded-for": nextSetupIp() });
    accounts.push(account);
  }
  return accounts;
}

async function loginBenchmark(stack: BenchStack, load: LoadGenerator) {
  section(`1. Login (argon2id m=${OWASP_ARGON2ID.memoryCost} KiB, t=${OWASP_ARGON2ID.timeCost}, p=${OWASP_ARGON2ID.parallelism})`);

  // Baseline: the password check alone, with identity's own hasher (same parameters, same 4-slot cap), on this
  // thread. Each baseline takes turns with the logins it is compared with, so both see the same machine.
  const hasher = new PasswordHasher();
  const phc = await hasher.hash(demoPassword);
  const verify = () => hasher.verify(phc, demoPassword);
  await timeSequential(3, verify);

  // Ten accounts (the two demo users and eight registered ones), every login from a new address: neither the
  // per-address limit (30/min) nor the per-account failure back-off (successes reset it) ever applies. Each
  // concurrent client signs in as an account of its own: identity checks one account's password at a time.
  const accounts: Account[] = [
    { email: "admin@reptidex.dev", password: demoPassword },
    { email: "keeper@reptidex.dev", password: demoPassword },
    ...(await registerAccounts(stack, 8)),
  ];
  const bodies = accounts.map((input) => body(loginMutation, { input }));
  const logins = { bodies, distinctClientIp: true, bodyPerClient: true };

  // Five rounds: 6 bare verifies, 10 logins through the gateway, 10 at identity.
  const { argonSeq, viaGateway, direct } = await alternate(5, {
    argonSeq: inProcessSlice(1, { requests: 6 }, verify),
    viaGateway: sliceTask(load, { ...logins, url: stack.gatewayUrl, concurrency: 1, requests: 10, warmupRequests: 2 }),
    direct: sliceTask(load, { ...logins, url: stack.identityUrl, concurrency: 1, requests: 10, warmupRequests: 2 }),
  });
  // Four rounds of 1 s of bare verifies and 1.25 s of logins at identity (5 s in all), at 4 and at 8 at once.
  const throughput = async (concurrency: number) =>
    alternate(4, {
      argon: inProcessSlice(concurrency, { durationMs: 1000 }, verify),
      logins: sliceTask(load, { ...logins, url: stack.identityUrl, concurrency, durationMs: 1250, warmupMs: 300 }),
    });
  const { argon: argon4, logins: direct4 } = await throughput(4);
  const { argon: argon8, logins: direct8 } = await throughput(8);

  const argon = "baseline: argon2id verify (PasswordHasher, in process)";
  loadRow(argon, 1, argonSeq);
  loadRow("login through the gateway, sequential", 1, viaGateway);
  loadRow("login at identity directly, sequential", 1, direct);
  loadRow(argon, 4, argon4);
  loadRow("login at identity directly, closed loop", 4, direct4);
  loadRow(argon, 8, argon8);
  loadRow("login at identity directly, closed loop", 8, direct8);

  note(`login via gateway p50 / argon2 verify p50 = ${ratio(viaGateway.latency.p50, argonSeq.latency.p50)} (argon2 is ${fmt((argonSeq.latency.p50 / viaGateway.latency.p50) * 100, 0)} % of a sign-in)`);
  note(`login at identity p50 / argon2 verify p50 = ${ratio(direct.latency.p50, argonSeq.latency.p50)}; the gateway hop adds ${fmt(viaGateway.latency.p50 - direct.latency.p50, 2)} ms at p50`);
  note(`everything but argon2 in a sign-in (gateway p50 − argon2 p50): ${fmt(viaGateway.latency.p50 - argonSeq.latency.p50, 2)} ms`);
  note(`throughput c=4: ${fmt(direct4.rps, 1)} logins/s = ${ratio(direct4.rps, argon4.rps)} of bare argon2 verifies/s (${fmt(argon4.rps, 1)})`);
  note(`throughput c=8: ${fmt(direct8.rps, 1)} logins/s = ${ratio(direct8.rps, argon8.rps)} of bare argon2 verifies/s (${fmt(argon8.rps, 1)})`);
  note(`${os.availableParallelism()} cores: argon2 alone bounds sign-ins at about ${fmt(Math.max(argon4.rps, argon8.rps), 0)}/s per process here (identity runs at most 4 hashes at once)`);
  return { argonSeq, argon4, argon8, viaGateway, direct, direct4, direct8, bodies };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Token verification at the gateway

async function signIn(stack: BenchStack, email: string) {
  const data = await graphql(stack.gatewayUrl, loginMutation, { input: { email, password: demoPassword } }, { "x-forwarded-for": nextSetupIp() });
  return data.login as { accessToken: string; refreshToken: string };
}

async function verificationBenchmark(stack: BenchStack, load: LoadGenerator, loginBodies: string[]) {
  section("2. Token verification overhead at the gateway");
  const { accessToken } = await signIn(stack, "keeper@reptidex.dev");
  const auth = { authorization: `Bearer ${accessToken}` };

  // Baselines: the gateway's verifier on this thread (jose EdDSA against identity's JWKS), without and with
  // the Redis revocation lookup the gateway makes for every token naming a session.
  const jwksUrl = new URL("/.well-known/jwks.json", stack.identityUrl).toString();
  const verifyOnly = createTokenVerifier({ jwksUrl, issuer: "http://localhost:4000", audience: "repti-core" });
  const log = createLogger("bench", "silent");
  const revocations = createSessionRevocations({
    redisUrl: stack.redisUrl,
    prefix: `bench-${randomBytes(4).toString("hex")}`,
    bus: new InProcessBus(log),
    log,
    ttlSeconds: 3660,
  });
  const verifyWithRevocations = createTokenVerifier({ jwksUrl, issuer: "http://localhost:4000", audience: "repti-core" }, undefined, revocations);
  await timeSequential(200, () => verifyOnly(accessToken));
  await timeSequential(200, () => verifyWithRevocations(accessToken));
  const joseOnly = summarize(await timeSequential(2000, () => verifyOnly(accessToken)));
  row({ what: "baseline: verify token in process (jose, EdDSA)", concurrency: 1, n: 2000, latency: joseOnly });
  const joseRedis = summarize(await timeSequential(2000, () => verifyWithRevocations(accessToken)));
  row({ what: "baseline: verify + Redis revocation check in process", concurrency: 1, n: 2000, latency: joseRedis });
  await revocations.close();
  // And the bare signature check, synchronous (node:crypto): the CPU a verification cannot avoid.
  const [encodedHeader, encodedPayload, encodedSignature] = accessToken.split(".") as [string, string, string];
  const { kid } = JSON.parse(Buffer.from(encodedHeader, "base64url").toString()) as { kid: string };
  const jwks = (await (await fetch(jwksUrl)).json()) as { keys: Array<JWK & { kid: string }> };
  const publicKey = createPublicKey({ key: jwks.keys.find((key) => key.kid === kid)!, format: "jwk" });
  const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`);
  const signature = Buffer.from(encodedSignature, "base64url");
  const checkSignature = async () => {
    if (!cryptoVerify(null, signed, publicKey, signature)) throw new Error("signature check failed");
  };
  await timeSequential(200, checkSignature);
  const signatureOnly = summarize(await timeSequential(2000, checkSignature));
  row({ what: "baseline: Ed25519 signature check alone (sync)", concurrency: 1, n: 2000, latency: signatureOnly });

  const typename = body("{ __typename }");
  const me = body("{ me { id } }");
  const spec = { url: stack.gatewayUrl, warmupMs: 500 };
  // Eight rounds of short slices, the variants taking turns: 3 s per variant at c=1, 5 s at c=8.
  const sequential = await interleave(
    load,
    {
      anon1: { ...spec, bodies: [typename], concurrency: 1, durationMs: 375 },
      token1: { ...spec, bodies: [typename], headers: auth, concurrency: 1, durationMs: 375 },
      me1: { ...spec, bodies: [me], headers: auth, concurrency: 1, durationMs: 375 },
    },
    8,
  );
  const concurrent = await interleave(
    load,
    {
      anon8: { ...spec, bodies: [typename], concurrency: 8, durationMs: 625 },
      token8: { ...spec, bodies: [typename], headers: auth, concurrency: 8, durationMs: 625 },
      me8: { ...spec, bodies: [me], headers: auth, concurrency: 8, durationMs: 625 },
    },
    8,
  );
  const results = { ...sequential, ...concurrent };
  loadRow("{ __typename } anonymous", 1, results.anon1);
  loadRow("{ __typename } with a token", 1, results.token1);
  loadRow("{ me { id } } with a token (gateway + identity)", 1, results.me1);
  loadRow("{ __typename } anonymous", 8, results.anon8);
  loadRow("{ __typename } with a token", 8, results.token8);
  loadRow("{ me { id } } with a token (gateway + identity)", 8, results.me8);

  // The same two requests while identity hashes passwords for 8 concurrent sign-ins. argon2 (@node-rs/argon2)
  // and WebCrypto, which jose verifies with, share libuv's thread pool, and every service here shares one process.
  const burst = load.run({ url: stack.identityUrl, bodies: loginBodies, bodyPerClient: true, distinctClientIp: true, concurrency: 8, durationMs: 6000 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const [anonBurst, tokenBurst] = await Promise.all([
    load.run({ ...spec, warmupMs: 0, bodies: [typename], concurrency: 1, durationMs: 5000 }),
    load.run({ ...spec, warmupMs: 0, bodies: [typename], headers: auth, concurrency: 1, durationMs: 5000 }),
  ]);
  const burstResult = await burst;
  loadRow("{ __typename } anonymous, during 8 sign-ins", 1, anonBurst);
  loadRow("{ __typename } with a token, during 8 sign-ins", 1, tokenBurst);
  loadRow("  (the sign-ins, at identity)", 8, burstResult);

  const { anon1, token1, me1, anon8, token8, me8 } = results;
  note(`{ __typename } with token / without, c=1: latency ${ratio(token1.latency.mean, anon1.latency.mean)}, req/s ${ratio(token1.rps, anon1.rps)}`);
  note(`{ __typename } with token / without, c=8: latency ${ratio(token8.latency.mean, anon8.latency.mean)}, req/s ${ratio(token8.rps, anon8.rps)}`);
  note(`verification cost per request (mean latency with − without, c=1): ${us(token1.latency.mean - anon1.latency.mean)}`);
  note(`verification CPU per request at saturation (1/rps with − 1/rps without, c=8): ${us(1000 / token8.rps - 1000 / anon8.rps)}`);
  note(`in-process baselines (mean): Ed25519 check ${us(signatureOnly.mean)} of CPU; jose verify ${us(joseOnly.mean)} (WebCrypto: the check runs on libuv's thread pool); with the Redis revocation lookup ${us(joseRedis.mean)}`);
  note(`{ me { id } } / { __typename } with token, c=1: ${ratio(me1.latency.mean, token1.latency.mean)} latency (+${us(me1.latency.mean - token1.latency.mean)}: query plan, fetch to identity, identity's own verification)`);
  note(`during a sign-in burst: with token / without ${ratio(tokenBurst.latency.mean, anonBurst.latency.mean)} latency, +${us(tokenBurst.latency.mean - anonBurst.latency.mean)} mean, p99 ${fmt(tokenBurst.latency.p99)} ms vs ${fmt(anonBurst.latency.p99)} ms (WebCrypto shares libuv's ${process.env.UV_THREADPOOL_SIZE ?? 4} threads with argon2, and everything shares ${os.availableParallelism()} cores)`);
  return { signatureOnly, joseOnly, joseRedis, ...results, anonBurst, tokenBurst, accessToken };
}

// ---------------------------------------------------------------------------------------------------------
// 3. Token issue

async function tokenIssueBenchmark(stack: BenchStack, load: LoadGenerator) {
  section("3. Token issue (refreshToken mutation: rotates the refresh token, signs a new access token)");

  // Baseline: signing an access token of the same shape with an Ed25519 key on this thread.
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const sign = () =>
    new SignJWT({ sid: randomBytes(16).toString("hex"), role: "USER", client_id: "reptidex" })
      .setProtectedHeader({ alg: "EdDSA", kid: "bench", typ: "at+jwt" })
      .setSubject(randomBytes(16).toString("hex"))
      .setIssuer("http://localhost:4000")
      .setAudience("repti-core")
      .setIssuedAt()
      .setJti(randomBytes(16).toString("hex"))
      .setExpirationTime("900s")
      .sign(privateKey);
  await timeSequential(200, sign);
  const signOnly = summarize(await timeSequential(1000, sign));
  row({ what: "baseline: sign an access token in process (EdDSA)", concurrency: 1, n: 1000, latency: signOnly });

  const chains = async (count: number) => {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) tokens.push((await signIn(stack, i % 2 ? "admin@reptidex.dev" : "keeper@reptidex.dev")).refreshToken);
    return tokens;
  };
  const refresh = { distinctClientIp: true };
  const { viaGateway, direct } = await interleave(
    load,
    {
      viaGateway: { ...refresh, url: stack.gatewayUrl, refreshTokens: await chains(1), concurrency: 1, requests: 40, warmupRequests: 3 },
      direct: { ...refresh, url: stack.identityUrl, refreshTokens: await chains(1), concurrency: 1, requests: 40, warmupRequests: 3 },
    },
    5,
  );
  loadRow("refreshToken through the gateway, sequential", 1, viaGateway);
  loadRow("refreshToken at identity directly, sequential", 1, direct);
  const viaGateway4 = await load.run({ ...refresh, url: stack.gatewayUrl, refreshTokens: await chains(4), concurrency: 4, durationMs: 3000, warmupMs: 300 });
  loadRow("refreshToken through the gateway, closed loop 3 s", 4, viaGateway4);

  note(`p50 ${fmt(viaGateway.latency.p50)} ms, p99 ${fmt(viaGateway.latency.p99)} ms vs target < ${targets.tokenIssueMs} ms: p99 is ${ratio(viaGateway.latency.p99, targets.tokenIssueMs)} of the budget`);
  note(`refresh via gateway p50 / in-process signing = ${ratio(viaGateway.latency.p50, signOnly.p50)}: signing is ${us(signOnly.p50)}, the rest is the rate-limit check in Redis, the session rotation and user lookup in PostgreSQL, and the HTTP hops`);
  note(`the gateway hop adds ${fmt(viaGateway.latency.p50 - direct.latency.p50, 2)} ms at p50`);

  return { signOnly, viaGateway, direct, viaGateway4 };
}

// ---------------------------------------------------------------------------------------------------------
// 4. Token introspection

/**
 * RFC 7662 introspection of a user's access token by a client holding `auth.introspect` (an API key, created
 * through the contract's `createApiKey`, sent as a Bearer credential). Measured only when every step works:
 * otherwise the reason is printed and the section is skipped.
 */
async function introspectionBenchmark(stack: BenchStack, load: LoadGenerator, accessToken: string): Promise<LoadResult | undefined> {
  section("4. Token introspection (POST /oauth/introspect, RFC 7662)");
  const skip = (reason: string) => {
    note(`not measured: ${reason}`);
    return undefined;
  };
  let secret: string;
  try {
    const admin = await signIn(stack, "admin@reptidex.dev");
    const data = await graphql(
      stack.gatewayUrl,
      "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }",
      { input: { name: "bench introspection", scopes: ["auth.introspect"] } },
      { authorization: `Bearer ${admin.accessToken}`, "x-forwarded-for": nextSetupIp() },
    );
    secret = (data.createApiKey as { secret: string }).secret;
  } catch (error) {
    return skip(`no API key with auth.introspect (${String(error).slice(0, 160)})`);
  }
  const form = new URLSearchParams({ token: accessToken }).toString();
  const headers = { authorization: `Bearer ${secret}` };
  const path = "/oauth/introspect";
  const probe = await fetch(new URL(path, stack.gatewayUrl), { method: "POST", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: form });
  const probeBody = await probe.text();
  if (probe.status !== 200 || !probeBody.includes('"active":true')) return skip(`the endpoint answered HTTP ${probe.status}: ${probeBody.slice(0, 160)}`);

  const spec = { bodies: [form], headers, contentType: "application/x-www-form-urlencoded", expect: "status-200" as const, concurrency: 1, requests: 50, warmupRequests: 5 };
  const { viaGateway, direct } = await interleave(
    load,
    { viaGateway: { ...spec, url: new URL(path, stack.gatewayUrl).toString() }, direct: { ...spec, url: new URL(path, stack.identityUrl).toString() } },
    4,
  );
  loadRow("introspect through the gateway, sequential", 1, viaGateway);
  loadRow("introspect at identity directly, sequential", 1, direct);
  note(`p50 ${fmt(viaGateway.latency.p50)} ms, p99 ${fmt(viaGateway.latency.p99)} ms vs target < ${targets.introspectionMs} ms: p99 is ${ratio(viaGateway.latency.p99, targets.introspectionMs)} of the budget`);
  note(`the gateway hop (a plain HTTP pass-through) adds ${fmt(viaGateway.latency.p50 - direct.latency.p50, 2)} ms at p50`);
  return viaGateway;
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const began = performance.now();
  console.log(`repti-core benchmark — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? "?"}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB`);
  console.log("gateway and five subgraphs in this process (one event loop, as `pnpm dev`); the load generator in a worker thread");
  const startedStack = performance.now();
  const stack = await startBenchStack();
  const load = new LoadGenerator();
  // Ctrl-C still drops the run's database and Redis keys.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping`);
      void Promise.allSettled([load.close(), stack.stop()]).then(() => process.exit(130));
    });
  }
  console.log(`stack up in ${fmt((performance.now() - startedStack) / 1000, 1)} s (fresh database, migrations, demo data)`);
  console.log(`load average before: ${loadAverage()} (other work on the machine skews every figure)`);
  try {
    const harness = await harnessCeiling(load);
    const login = await loginBenchmark(stack, load);
    const verification = await verificationBenchmark(stack, load, login.bodies);
    const issue = await tokenIssueBenchmark(stack, load);
    const introspection = await introspectionBenchmark(stack, load, verification.accessToken);
    const live = await liveBenchmark(stack, load);

    console.log("\n== Against the spec's targets ==");
    note(`token issue < ${targets.tokenIssueMs} ms: refreshToken via gateway p50 ${fmt(issue.viaGateway.latency.p50)} ms, p99 ${fmt(issue.viaGateway.latency.p99)} ms (${ratio(issue.viaGateway.latency.p99, targets.tokenIssueMs)} of the budget at p99); login via gateway p50 ${fmt(login.viaGateway.latency.p50)} ms (${ratio(login.viaGateway.latency.p50, targets.tokenIssueMs)}), argon2 alone p50 ${fmt(login.argonSeq.latency.p50)} ms`);
    note(
      introspection
        ? `introspection < ${targets.introspectionMs} ms: p50 ${fmt(introspection.latency.p50)} ms, p99 ${fmt(introspection.latency.p99)} ms (${ratio(introspection.latency.p99, targets.introspectionMs)} of the budget at p99)`
        : `introspection < ${targets.introspectionMs} ms: not measured (section 4); local verification at the gateway costs ${us(verification.token1.latency.mean - verification.anon1.latency.mean)} per request (${ratio(verification.token1.latency.mean - verification.anon1.latency.mean, targets.introspectionMs)} of that budget)`,
    );
    note(`flag toggle reaching subscribers < 20 ms: p99 from the toggle request ${fmt(live.deliveries[1]!.p99)} / ${fmt(live.deliveries[100]!.p99)} / ${fmt(live.deliveries[1000]!.p99)} ms at 1 / 100 / 1,000 subscribers (section 5)`);
    const perTarget = (rps: number) => `${fmt(rps, 0)} req/s (${ratio(rps, targets.requestsPerSecond)})`;
    note(
      `${targets.requestsPerSecond} req/s, c=8: gateway { __typename } anonymous ${perTarget(verification.anon8.rps)}, with a token ${perTarget(verification.token8.rps)}; ` +
        `{ me { id } } ${perTarget(verification.me8.rps)}; no-op harness ceiling ${perTarget(harness.many.rps)}`,
    );
  } finally {
    await load.close();
    await stack.stop();
  }
  console.log(`\nload average after: ${loadAverage()}; done in ${fmt((performance.now() - began) / 1000, 1)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
