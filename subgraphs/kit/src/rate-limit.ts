import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { DomainError } from "./errors.js";

/** At most `points` per fixed window of `durationSeconds`, counted per key. */
export interface RateLimitRule {
  /** Names the counters; one name, one set of limits. */
  name: string;
  points: number;
  /** Whole seconds: the Redis store keeps second-granular expiries. */
  durationSeconds: number;
}

/**
 * Rising backoff after repeated failures (sign-in, code checks), never a permanent lockout. The first
 * `freeFailures` failures within the window cost nothing; each further one blocks the key for
 * `min(maxBlockSeconds, baseBlockSeconds * 2^(failures - freeFailures - 1))`, so the first block lasts
 * `baseBlockSeconds`, the next twice that, and so on. The count is forgotten once `windowSeconds` pass
 * without a failure, counted from the end of the last block (while blocked, the caller refuses attempts, so
 * there is nothing to fail). Seconds may be fractional (milliseconds are kept).
 */
export interface BackoffRule {
  name: string;
  freeFailures: number;
  baseBlockSeconds: number;
  maxBlockSeconds: number;
  windowSeconds: number;
}

/** A key's failure count, and how long it stays blocked (0 when it is not). */
export interface BackoffState {
  failures: number;
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** Shared counters across instances when given (the caller owns and closes the client); in-process otherwise. */
  redis?: Redis;
  /** Namespaces every key, e.g. the service name. */
  prefix: string;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  return new RateLimiter(options);
}

export class RateLimiter {
  private readonly limiters = new Map<string, { rule: RateLimitRule; limiter: RateLimiterAbstract }>();
  private readonly backoff: BackoffStore;

  constructor(private readonly options: RateLimiterOptions) {
    this.backoff = options.redis ? new RedisBackoffStore(options.redis) : new MemoryBackoffStore();
  }

  /** Takes `points` from the key's budget under `rule`; throws RATE_LIMITED when the budget is spent. */
  async consume(rule: RateLimitRule, key: string, points = 1): Promise<void> {
    if (!Number.isInteger(points) || points < 1 || points > rule.points) {
      throw new RangeError(`points must be an integer from 1 to ${rule.points}, got ${points}`);
    }
    try {
      await this.limiterFor(rule).consume(key, points);
    } catch (rejection) {
      // The library rejects with its result object when over the limit, with an Error when the store fails.
      if (rejection instanceof RateLimiterRes) throw rateLimited(rejection.msBeforeNext);
      throw rejection;
    }
  }

  /** Throws RATE_LIMITED while a backoff block on the key lasts. Call before checking the credentials. */
  async assertNotBlocked(rule: BackoffRule, key: string): Promise<void> {
    const { blockedMs } = await this.backoff.state(this.backoffKeys(rule, key));
    if (blockedMs > 0) throw rateLimited(blockedMs);
  }

  /**
   * Counts a failure (atomically: parallel failures each count) and blocks the key if the rule says so. Does
   * not throw for the block: the caller reports the failure itself, the next attempt meets the block.
   */
  async registerFailure(rule: BackoffRule, key: string): Promise<BackoffState> {
    return toBackoffState(await this.backoff.fail(this.backoffKeys(rule, key), backoffParams(rule)));
  }

  /**
   * Runs one credential check for the key under the rule's backoff: refused while the key is blocked, and
   * refused while another check of the same key is in flight. Without the second rule, N parallel attempts
   * would all pass the block check before the first failure is counted, and N guesses would cost one block.
   * `attempt` counts its own failures with `registerFailure` (or `reset` on success) before it returns.
   */
  async guardedAttempt<T>(rule: BackoffRule, key: string, attempt: () => Promise<T>): Promise<T> {
    const keys = this.backoffKeys(rule, key);
    const holder = await this.backoff.acquire(keys.attempt, attemptLeaseMs);
    if (!holder) throw rateLimited(1000);
    try {
      const { blockedMs } = await this.backoff.state(keys);
      if (blockedMs > 0) throw rateLimited(blockedMs);
      return await attempt();
    } finally {
      await this.backoff.release(keys.attempt, holder);
    }
  }

  async backoffState(rule: BackoffRule, key: string): Promise<BackoffState> {
    return toBackoffState(await this.backoff.state(this.backoffKeys(rule, key)));
  }

  /** After a success: forgets the failures and lifts any block. */
  async reset(rule: BackoffRule, key: string): Promise<void> {
    await this.backoff.reset(this.backoffKeys(rule, key));
  }

  /** Drops in-process state; the Redis client stays open (it is the caller's). */
  async close(): Promise<void> {
    this.limiters.clear();
    this.backoff.close();
  }

  private limiterFor(rule: RateLimitRule) {
    const known = this.limiters.get(rule.name);
    if (known) {
      // Two rules sharing a name would share counters while disagreeing on the limit.
      if (known.rule.points !== rule.points || known.rule.durationSeconds !== rule.durationSeconds) {
        throw new Error(`Rate limit rule "${rule.name}" is defined twice with different limits`);
      }
      return known.limiter;
    }
    validateRateLimitRule(rule);
    const settings = { keyPrefix: `${this.options.prefix}:rate:${rule.name}`, points: rule.points, duration: rule.durationSeconds };
    const limiter = this.options.redis
      ? new RateLimiterRedis({ ...settings, storeClient: this.options.redis, useRedisPackage: false })
      : new RateLimiterMemory(settings);
    this.limiters.set(rule.name, { rule: { ...rule }, limiter });
    return limiter;
  }

  private backoffKeys(rule: BackoffRule, key: string): BackoffKeys {
    // The hash tag keeps both keys in one Redis Cluster slot, as a script touching both requires.
    const base = `${this.options.prefix}:backoff:{${rule.name}:${key}}`;
    return { failures: `${base}:failures`, block: `${base}:block`, attempt: `${base}:attempt` };
  }
}

function rateLimited(msBeforeNext: number): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new DomainError("RATE_LIMITED", `Too many attempts; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

function validateRateLimitRule(rule: RateLimitRule): void {
  if (!Number.isInteger(rule.points) || rule.points < 1) throw new RangeError(`Rule "${rule.name}": points must be a positive integer`);
  if (!Number.isInteger(rule.durationSeconds) || rule.durationSeconds < 1) {
    throw new RangeError(`Rule "${rule.name}": durationSeconds must be a positive integer`);
  }
}

interface BackoffKeys {
  failures: string;
  block: string;
  /** Held while one attempt on the key is being checked. */
  attempt: string;
}

/**
 * How long an attempt may hold its key if its process dies mid-check: far longer than a hash (tens of ms) even
 * behind a full hashing queue, short enough that a crash never locks the real user out for long.
 */
const attemptLeaseMs = 10_000;

/** A rule in whole milliseconds, the unit both stores work in. */
interface BackoffParams {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
  windowMs: number;
}

interface StoredState {
  failures: number;
  blockedMs: number;
}

function backoffParams(rule: BackoffRule): BackoffParams {
  const ms = (seconds: number) => Math.ceil(seconds * 1000);
  const params = { freeFailures: rule.freeFailures, baseMs: ms(rule.baseBlockSeconds), maxMs: ms(rule.maxBlockSeconds), windowMs: ms(rule.windowSeconds) };
  if (!Number.isInteger(params.freeFailures) || params.freeFailures < 0) throw new RangeError(`Rule "${rule.name}": freeFailures must be a non-negative integer`);
  if (!(params.baseMs > 0) || !Number.isFinite(params.maxMs) || params.maxMs < params.baseMs) {
    throw new RangeError(`Rule "${rule.name}": need 0 < baseBlockSeconds <= maxBlockSeconds, both finite`);
  }
  if (!(params.windowMs > 0) || !Number.isFinite(params.windowMs)) throw new RangeError(`Rule "${rule.name}": windowSeconds must be positive`);
  return params;
}

function toBackoffState({ failures, blockedMs }: StoredState): BackoffState {
  return { failures, retryAfterSeconds: blockedMs > 0 ? Math.max(1, Math.ceil(blockedMs / 1000)) : 0 };
}

/** The block a failure count earns; the Lua script below computes the same. */
function blockMsFor(failures: number, params: BackoffParams): number {
  if (failures <= params.freeFailures) return 0;
  return Math.floor(Math.min(params.maxMs, params.baseMs * 2 ** (failures - params.freeFailures - 1)));
}

/**
 * Counter and block as two keys, each with a Redis expiry. rate-limiter-flexible's fixed window does not fit
 * here: its count expires a window after the first failure (resetting the backoff mid-climb), and counting
 * then blocking would be two round trips, where parallel failures could replace a long block with a shorter one.
 */
interface BackoffStore {
  fail(keys: BackoffKeys, params: BackoffParams): Promise<StoredState>;
  state(keys: BackoffKeys): Promise<StoredState>;
  reset(keys: BackoffKeys): Promise<void>;
  /** Takes the key for `leaseMs` if no one holds it; answers the holder's token, or undefined when taken. */
  acquire(key: string, leaseMs: number): Promise<string | undefined>;
  /** Gives the key back if `holder` still holds it (a lease that ran out may belong to someone else now). */
  release(key: string, holder: string): Promise<void>;
  close(): void;
}

// KEYS: failures, block. ARGV: freeFailures, baseMs, maxMs, windowMs. Returns {failures, blockedMs}.
// A block only ever lengthens; the count lives a window past the block's end.
const registerFailureLua = `
local failures = redis.call('INCR', KEYS[1])
local free = tonumber(ARGV[1])
local blockMs = 0
if failures > free then
  blockMs = math.floor(math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (failures - free - 1)))
end
local remaining = redis.call('PTTL', KEYS[2])
if remaining < 0 then remaining = 0 end
if blockMs > remaining then
  redis.call('SET', KEYS[2], '1', 'PX', blockMs)
  remaining = blockMs
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + remaining)
return {failures, remaining}
`;

const registerFailureCommand = "reptiBackoffFailure";

// KEYS: attempt. ARGV: holder. Deletes only the holder's own lease.
const releaseAttemptLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const releaseAttemptCommand = "reptiReleaseAttempt";

/** The client as seen after `defineCommand`, which adds the methods at run time. */
interface BackoffCommands {
  [registerFailureCommand](failuresKey: string, blockKey: string, ...args: string[]): Promise<[number, number]>;
  [releaseAttemptCommand](attemptKey: string, holder: string): Promise<number>;
}

class RedisBackoffStore implements BackoffStore {
  constructor(private readonly redis: Redis) {
    // Adds a method to the caller's client (EVALSHA with an EVAL fallback); redefining it is harmless.
    redis.defineCommand(registerFailureCommand, { numberOfKeys: 2, lua: registerFailureLua });
    redis.defineCommand(releaseAttemptCommand, { numberOfKeys: 1, lua: releaseAttemptLua });
  }

  async fail(keys: BackoffKeys, params: BackoffParams): Promise<StoredState> {
    const client = this.redis as unknown as BackoffCommands;
    const [failures, blockedMs] = await client[registerFailureCommand](
      keys.failures,
      keys.block,
      String(params.freeFailures),
      String(params.baseMs),
      String(params.maxMs),
      String(params.windowMs),
    );
    return { failures, blockedMs };
  }

  async state(keys: BackoffKeys): Promise<StoredState> {
    const replies = await this.redis.multi().get(keys.failures).pttl(keys.block).exec();
    if (!replies) throw new Error("Redis transaction aborted");
    const [[failuresError, failures], [blockError, pttl]] = replies as [[Error | null, string | null], [Error | null, number]];
    if (failuresError ?? blockError) throw failuresError ?? blockError;
    return { failures: failures === null ? 0 : Number(failures), blockedMs: Math.max(0, pttl) };
  }

  async reset(keys: BackoffKeys): Promise<void> {
    await this.redis.del(keys.failures, keys.block);
  }

  async acquire(key: string, leaseMs: number): Promise<string | undefined> {
    const holder = randomUUID();
    return (await this.redis.set(key, holder, "PX", leaseMs, "NX")) === "OK" ? holder : undefined;
  }

  async release(key: string, holder: string): Promise<void> {
    await (this.redis as unknown as BackoffCommands)[releaseAttemptCommand](key, holder);
  }

  close(): void {}
}

interface MemoryEntry {
  failures: number;
  expiresAt: number;
  blockedUntil: number;
  timer: NodeJS.Timeout;
}

/** The Redis store's behaviour in one process; synchronous updates make it atomic. */
class MemoryBackoffStore implements BackoffStore {
  private readonly entries = new Map<string, MemoryEntry>();
  private readonly leases = new Map<string, { holder: string; until: number }>();

  async fail(keys: BackoffKeys, params: BackoffParams): Promise<StoredState> {
    const now = Date.now();
    const entry = this.live(keys.failures, now);
    const failures = (entry?.failures ?? 0) + 1;
    const blockedUntil = Math.max(entry?.blockedUntil ?? 0, now + blockMsFor(failures, params));
    const blockedMs = Math.max(0, blockedUntil - now);
    const expiresAt = now + params.windowMs + blockedMs;
    if (entry) clearTimeout(entry.timer);
    // Expired entries are removed even if their key is never seen again; unref'd so tests and shutdown don't wait.
    const timer = setTimeout(() => this.entries.delete(keys.failures), expiresAt - now).unref();
    this.entries.set(keys.failures, { failures, expiresAt, blockedUntil, timer });
    return { failures, blockedMs };
  }

  async state(keys: BackoffKeys): Promise<StoredState> {
    const now = Date.now();
    const entry = this.live(keys.failures, now);
    return { failures: entry?.failures ?? 0, blockedMs: Math.max(0, (entry?.blockedUntil ?? 0) - now) };
  }

  async reset(keys: BackoffKeys): Promise<void> {
    const entry = this.entries.get(keys.failures);
    if (entry) clearTimeout(entry.timer);
    this.entries.delete(keys.failures);
  }

  async acquire(key: string, leaseMs: number): Promise<string | undefined> {
    const now = Date.now();
    const lease = this.leases.get(key);
    if (lease && lease.until > now) return undefined;
    const holder = randomUUID();
    this.leases.set(key, { holder, until: now + leaseMs });
    return holder;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.leases.get(key)?.holder === holder) this.leases.delete(key);
  }

  close(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    this.leases.clear();
  }

  /** Timers may fire late; expiry is decided by the clock. */
  private live(key: string, now: number): MemoryEntry | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }
}
