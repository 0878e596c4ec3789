import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { DomainError } from "./errors.js";
import { createRateLimiter, type BackoffRule, type RateLimiter, type RateLimitRule } from "./rate-limit.js";

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis.quit();
});

const limiters: RateLimiter[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
  // Backoff counters live for up to window + max block; don't leave them in the shared Redis.
  for (const prefix of prefixes.splice(0)) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

/** The error a rejected call threw, which must be RATE_LIMITED. */
async function rateLimitedError(promise: Promise<unknown>): Promise<DomainError & { details: { retryAfterSeconds: number } }> {
  const error = await promise.then(
    () => expect.unreachable("expected RATE_LIMITED"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code: "RATE_LIMITED", details: { retryAfterSeconds: expect.any(Number) } });
  return error as DomainError & { details: { retryAfterSeconds: number } };
}

describe.each([
  { store: "Redis", create: (prefix: string) => createRateLimiter({ redis, prefix }) },
  { store: "memory", create: (prefix: string) => createRateLimiter({ prefix }) },
])("rate limiter ($store)", ({ create }) => {
  // A fresh namespace per test, so no test sees another's counters.
  function limiter(): RateLimiter {
    const prefix = `rate-limit-test-${randomUUID()}`;
    const created = create(prefix);
    limiters.push(created);
    prefixes.push(prefix);
    return created;
  }

  describe("consume", () => {
    it("allows the rule's points, then refuses with the time left in the window", async () => {
      const rl = limiter();
      const rule: RateLimitRule = { name: "signup", points: 3, durationSeconds: 60 };
      await rl.consume(rule, "1.2.3.4");
      await rl.consume(rule, "1.2.3.4", 2);
      const error = await rateLimitedError(rl.consume(rule, "1.2.3.4"));
      expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(error.details.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(error.message).toBe(`Too many attempts; retry in ${error.details.retryAfterSeconds} s`);
    });

    it("refuses a multi-point consume that would overrun the budget", async () => {
      const rl = limiter();
      const rule: RateLimitRule = { name: "export", points: 3, durationSeconds: 60 };
      await rl.consume(rule, "u1", 2);
      await rateLimitedError(rl.consume(rule, "u1", 2));
    });

    it("allows again once the window has passed", async () => {
      const rl = limiter();
      const rule: RateLimitRule = { name: "resend", points: 2, durationSeconds: 1 };
      await rl.consume(rule, "k");
      await rl.consume(rule, "k");
      const error = await rateLimitedError(rl.consume(rule, "k"));
      expect(error.details.retryAfterSeconds).toBe(1);
      await sleep(1_100);
      await rl.consume(rule, "k");
    });

    it("counts each key and each rule separately", async () => {
      const rl = limiter();
      const rule: RateLimitRule = { name: "a", points: 1, durationSeconds: 60 };
      await rl.consume(rule, "alice");
      await rateLimitedError(rl.consume(rule, "alice"));
      await rl.consume(rule, "bob");
      await rl.consume({ name: "b", points: 1, durationSeconds: 60 }, "alice");
    });

    it("lets exactly `points` of 50 parallel consumes through", async () => {
      const rl = limiter();
      const rule: RateLimitRule = { name: "burst", points: 10, durationSeconds: 60 };
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => rl.consume(rule, "k")));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(refused).toHaveLength(40);
      for (const r of refused) expect(r.reason).toMatchObject({ code: "RATE_LIMITED" });
    });

    it("rejects a rule name reused with other limits, and nonsensical points", async () => {
      const rl = limiter();
      await rl.consume({ name: "r", points: 5, durationSeconds: 60 }, "k");
      await expect(rl.consume({ name: "r", points: 6, durationSeconds: 60 }, "k")).rejects.toThrow(/defined twice/);
      await expect(rl.consume({ name: "r", points: 5, durationSeconds: 60 }, "k", 0)).rejects.toThrow(RangeError);
      await expect(rl.consume({ name: "q", points: 5, durationSeconds: 0.5 }, "k")).rejects.toThrow(RangeError);
    });
  });

  describe("backoff", () => {
    it("lets the free failures pass, then blocks for 1 s, 2 s, 4 s, ... up to the cap", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "login", freeFailures: 2, baseBlockSeconds: 1, maxBlockSeconds: 8, windowSeconds: 600 };
      const blocks: number[] = [];
      for (let i = 0; i < 7; i++) {
        await rl.assertNotBlocked(rule, "ann@example.com").catch(() => {}); // the caller's check, beside the point here
        blocks.push((await rl.registerFailure(rule, "ann@example.com")).retryAfterSeconds);
      }
      expect(blocks).toEqual([0, 0, 1, 2, 4, 8, 8]);
      const error = await rateLimitedError(rl.assertNotBlocked(rule, "ann@example.com"));
      expect(error.details.retryAfterSeconds).toBe(8);
      expect(await rl.backoffState(rule, "ann@example.com")).toEqual({ failures: 7, retryAfterSeconds: 8 });
      await rl.assertNotBlocked(rule, "bob@example.com");
    });

    it("does not block before the free failures are used up", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "login", freeFailures: 3, baseBlockSeconds: 1, maxBlockSeconds: 60, windowSeconds: 600 };
      for (let i = 0; i < 3; i++) await rl.registerFailure(rule, "k");
      await rl.assertNotBlocked(rule, "k");
      await rl.registerFailure(rule, "k");
      expect((await rateLimitedError(rl.assertNotBlocked(rule, "k"))).details.retryAfterSeconds).toBe(1);
    });

    it("lifts the block when it expires, keeps climbing, and forgets the count a window after the block", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "otp", freeFailures: 1, baseBlockSeconds: 0.3, maxBlockSeconds: 0.3, windowSeconds: 0.4 };
      expect(await rl.registerFailure(rule, "k")).toEqual({ failures: 1, retryAfterSeconds: 0 });
      expect(await rl.registerFailure(rule, "k")).toEqual({ failures: 2, retryAfterSeconds: 1 });
      await rateLimitedError(rl.assertNotBlocked(rule, "k"));

      await sleep(350);
      await rl.assertNotBlocked(rule, "k");
      // The count outlived the block: the next failure is not free.
      expect(await rl.registerFailure(rule, "k")).toEqual({ failures: 3, retryAfterSeconds: 1 });

      await sleep(300 + 400 + 100);
      expect(await rl.backoffState(rule, "k")).toEqual({ failures: 0, retryAfterSeconds: 0 });
      expect(await rl.registerFailure(rule, "k")).toEqual({ failures: 1, retryAfterSeconds: 0 });
    });

    it("forgets failures and lifts the block on reset", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "login", freeFailures: 0, baseBlockSeconds: 30, maxBlockSeconds: 300, windowSeconds: 600 };
      await rl.registerFailure(rule, "k");
      await rl.registerFailure(rule, "k");
      expect((await rateLimitedError(rl.assertNotBlocked(rule, "k"))).details.retryAfterSeconds).toBe(60);
      await rl.reset(rule, "k");
      await rl.assertNotBlocked(rule, "k");
      expect(await rl.backoffState(rule, "k")).toEqual({ failures: 0, retryAfterSeconds: 0 });
      expect(await rl.registerFailure(rule, "k")).toEqual({ failures: 1, retryAfterSeconds: 30 });
    });

    it("counts every one of 20 parallel failures, and the block matches the final count", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "login", freeFailures: 5, baseBlockSeconds: 1, maxBlockSeconds: 3600, windowSeconds: 600 };
      const results = await Promise.all(Array.from({ length: 20 }, () => rl.registerFailure(rule, "k")));
      expect(results.map((r) => r.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // 20 failures, 5 free: the 15th blocked one earns 2^14 s, capped at an hour.
      expect(await rl.backoffState(rule, "k")).toEqual({ failures: 20, retryAfterSeconds: 3600 });
    });

    it("runs one guarded attempt per key at a time: parallel guesses are refused, not checked", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "login", freeFailures: 5, baseBlockSeconds: 60, maxBlockSeconds: 600, windowSeconds: 600 };
      let checks = 0;
      const guess = () =>
        rl.guardedAttempt(rule, "k", async () => {
          checks += 1;
          await sleep(50); // a password hash's worth of time
          await rl.registerFailure(rule, "k");
          throw new Error("wrong password");
        });
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, guess));
      const reasons = outcomes.map((outcome) => (outcome.status === "rejected" ? (outcome.reason as Error) : undefined));
      expect(checks).toBe(1);
      expect(reasons.filter((reason) => reason?.message === "wrong password")).toHaveLength(1);
      expect(reasons.filter((reason) => reason instanceof DomainError && reason.code === "RATE_LIMITED")).toHaveLength(9);
      // The lease went back with the failed attempt: the next guess is checked (and counted).
      await expect(guess()).rejects.toThrow("wrong password");
      expect(checks).toBe(2);
      expect(await rl.backoffState(rule, "k")).toEqual({ failures: 2, retryAfterSeconds: 0 });
      // Other keys are not held up.
      expect(await rl.guardedAttempt(rule, "other", async () => "ok")).toBe("ok");
    });

    it("refuses a guarded attempt while the key is blocked, without running it", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "login", freeFailures: 0, baseBlockSeconds: 30, maxBlockSeconds: 300, windowSeconds: 600 };
      await rl.registerFailure(rule, "k");
      let ran = false;
      const error = await rateLimitedError(rl.guardedAttempt(rule, "k", async () => (ran = true)));
      expect(error.details.retryAfterSeconds).toBe(30);
      expect(ran).toBe(false);
      // The refused attempt did not keep the lease: after a reset the key is usable at once.
      await rl.reset(rule, "k");
      expect(await rl.guardedAttempt(rule, "k", async () => "ok")).toBe("ok");
    });

    it("rejects nonsensical rules", async () => {
      const rl = limiter();
      const rule: BackoffRule = { name: "bad", freeFailures: 1, baseBlockSeconds: 10, maxBlockSeconds: 5, windowSeconds: 60 };
      await expect(rl.registerFailure(rule, "k")).rejects.toThrow(RangeError);
      await expect(rl.registerFailure({ ...rule, maxBlockSeconds: 20, freeFailures: -1 }, "k")).rejects.toThrow(RangeError);
    });
  });
});
