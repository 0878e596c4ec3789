import { describe, expect, it } from "vitest";
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import { DomainError } from "@repti/kit";
import { PasswordHasher, type Argon2Backend, type PasswordHasherOptions } from "./password-hasher.js";

/** Cheap parameters: the tests check behaviour, not cost (one test checks the OWASP defaults). */
const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 } satisfies PasswordHasherOptions;

/** Wraps the real argon2 to count operations in flight, with no timing assumptions. */
function countingBackend() {
  const stats = { inFlight: 0, maxInFlight: 0, verifiedHashes: [] as string[] };
  const track = async <T>(work: Promise<T>): Promise<T> => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      return await work;
    } finally {
      stats.inFlight--;
    }
  };
  const backend: Argon2Backend = {
    hash: (password, options) => track(argon2Hash(password, options)),
    verify: (phc, password) => {
      stats.verifiedHashes.push(phc);
      return track(argon2Verify(phc, password));
    },
  };
  return { backend, stats };
}

/** A backend whose verifications stay open until the test settles them, in the order they started. */
function heldBackend() {
  const started: string[] = [];
  const pending: Array<{ settle: (ok: boolean) => void; fail: (error: Error) => void }> = [];
  const backend: Argon2Backend = {
    hash: async () => "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    verify: (_phc, password) =>
      new Promise<boolean>((resolve, reject) => {
        started.push(password);
        pending.push({ settle: resolve, fail: reject });
      }),
  };
  return { backend, started, pending };
}

/** Lets queued hand-overs (promise continuations) run. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("PasswordHasher", () => {
  it("writes argon2id with the OWASP parameters by default, and that hash needs no rehash", async () => {
    const hasher = new PasswordHasher();
    const phc = await hasher.hash("a perfectly fine passphrase");
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hasher.verify(phc, "a perfectly fine passphrase")).toBe(true);
    expect(hasher.needsRehash(phc)).toBe(false);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const hasher = new PasswordHasher(cheap);
    const phc = await hasher.hash("basking under the ceramic heater");
    expect(await hasher.verify(phc, "basking under the ceramic heater")).toBe(true);
    expect(await hasher.verify(phc, "basking under the ceramic heateR")).toBe(false);
  });

  it("salts: the same password hashes differently each time", async () => {
    const hasher = new PasswordHasher(cheap);
    expect(await hasher.hash("same password twice")).not.toBe(await hasher.hash("same password twice"));
  });

  it("never truncates: a 200-character password does not verify with its 199-character prefix", async () => {
    const hasher = new PasswordHasher(cheap);
    const long = Array.from({ length: 200 }, (_, i) => "abcdefghij"[i % 10]).join("");
    const phc = await hasher.hash(long);
    expect(await hasher.verify(phc, long)).toBe(true);
    expect(await hasher.verify(phc, long.slice(0, 199))).toBe(false);
    expect(await hasher.verify(phc, long.slice(0, 72))).toBe(false);
  });

  it("hashes NFKC-equivalent passwords alike (ligatures, fullwidth digits, composed accents)", async () => {
    const hasher = new PasswordHasher(cheap);
    const phc = await hasher.hash("ﬁnal draft １２３ A\u030Angstrom");
    expect(await hasher.verify(phc, "final draft 123 \u00C5ngstrom")).toBe(true);
    expect(await hasher.verify(phc, "final draft 124 \u00C5ngstrom")).toBe(false);
  });

  it("asks for a rehash when the stored parameters are weaker than current", async () => {
    const current = new PasswordHasher();
    const weak = await new PasswordHasher({ memoryCost: 4096, timeCost: 1 }).hash("old hash");
    expect(weak).toContain("$m=4096,t=1,p=1$");
    expect(current.needsRehash(weak)).toBe(true);

    const ours = await current.hash("new hash");
    expect(current.needsRehash(ours)).toBe(false);
    // Stronger than current stays: re-hashing would weaken it.
    expect(current.needsRehash(ours.replace("m=19456,t=2", "m=65536,t=3"))).toBe(false);
    expect(current.needsRehash(ours.replace("m=19456", "m=19455"))).toBe(true);
    expect(current.needsRehash(ours.replace("t=2", "t=1"))).toBe(true);
    expect(current.needsRehash(ours.replace("$argon2id$", "$argon2i$"))).toBe(true);
    expect(current.needsRehash(ours.replace("$v=19$", "$v=16$"))).toBe(true);
    expect(current.needsRehash("$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234")).toBe(true);
    expect(current.needsRehash("")).toBe(true);
  });

  it("verifies against a dummy hash with the same parameters and always answers false", async () => {
    const { backend, stats } = countingBackend();
    const hasher = new PasswordHasher({ ...cheap, backend });
    await expect(hasher.verifyAgainstDummy("whatever the attacker typed")).resolves.toBe(false);
    expect(stats.verifiedHashes).toHaveLength(1);
    expect(stats.verifiedHashes[0]).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(hasher.needsRehash(stats.verifiedHashes[0]!)).toBe(false);
  });

  it("runs at most maxConcurrent operations at once", async () => {
    const { backend, stats } = countingBackend();
    const hasher = new PasswordHasher({ ...cheap, backend, maxConcurrent: 2 });
    const phc = await hasher.hash("ten sign-ins at once");
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? hasher.verify(phc, "ten sign-ins at once") : hasher.verifyAgainstDummy("x"))));
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(stats.maxInFlight).toBe(2);
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });
  });

  it("serves waiting operations in FIFO order", async () => {
    const { backend, started, pending } = heldBackend();
    const hasher = new PasswordHasher({ ...cheap, backend, maxConcurrent: 2 });
    const results = ["a", "b", "c", "d", "e"].map((password) => hasher.verify("$argon2id$stub", password));
    expect(started).toEqual(["a", "b"]);
    expect(hasher.load).toEqual({ running: 2, waiting: 3 });
    pending[1]!.settle(true);
    await drain();
    expect(started).toEqual(["a", "b", "c"]);
    pending[0]!.settle(false);
    await drain();
    expect(started).toEqual(["a", "b", "c", "d"]);
    for (let i = 2; i < 5; i++) {
      pending[i]!.settle(true);
      await drain();
    }
    expect(started).toEqual(["a", "b", "c", "d", "e"]);
    expect(await Promise.all(results)).toEqual([false, true, true, true, true]);
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });
  });

  it("refuses with RATE_LIMITED once the queue is full, and recovers when it drains", async () => {
    const { backend, pending } = heldBackend();
    const hasher = new PasswordHasher({ ...cheap, backend, maxConcurrent: 1, maxQueue: 2 });
    const admitted = [hasher.verify("$stub", "1"), hasher.verify("$stub", "2"), hasher.hash("3")];
    expect(hasher.load).toEqual({ running: 1, waiting: 2 });

    const overflow = hasher.verify("$stub", "4");
    await expect(overflow).rejects.toBeInstanceOf(DomainError);
    await expect(overflow).rejects.toMatchObject({
      code: "RATE_LIMITED",
      message: "Too many sign-in attempts in progress; retry shortly",
      details: { retryAfterSeconds: 1 },
    });
    await expect(hasher.verifyAgainstDummy("5")).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect(hasher.load).toEqual({ running: 1, waiting: 2 });

    pending[0]!.settle(true);
    await drain();
    pending[1]!.settle(false);
    await expect(Promise.all(admitted)).resolves.toEqual([true, false, expect.stringMatching(/^\$argon2id\$/)]);
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });

    const after = hasher.verify("$stub", "6");
    await drain();
    pending[2]!.settle(true);
    await expect(after).resolves.toBe(true);
  });

  it("frees the slot when an operation fails", async () => {
    const { backend, pending } = heldBackend();
    const hasher = new PasswordHasher({ ...cheap, backend, maxConcurrent: 1, maxQueue: 0 });
    const failing = hasher.verify("$stub", "x");
    await expect(hasher.verify("$stub", "y")).rejects.toMatchObject({ code: "RATE_LIMITED" });
    pending[0]!.fail(new Error("Decoding failed"));
    await expect(failing).rejects.toThrow("Decoding failed");
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });
  });

  it("lets a malformed stored hash surface as an error rather than a wrong password", async () => {
    const hasher = new PasswordHasher(cheap);
    await expect(hasher.verify("not a phc string", "pw")).rejects.toThrow();
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });
  });
});
