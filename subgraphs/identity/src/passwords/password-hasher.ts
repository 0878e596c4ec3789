import { randomBytes } from "node:crypto";
import { hash as argon2Hash, hashSync as argon2HashSync, verify as argon2Verify, type Algorithm } from "@node-rs/argon2";
import { DomainError } from "@repti/kit";
import { normalizePassword } from "./password-policy.js";

// `Algorithm` is an ambient const enum (no runtime object, and isolatedModules cannot inline it); 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

/** The argon2 calls the hasher makes; replaceable so tests can hold operations open and count them. */
export interface Argon2Backend {
  hash(password: string, options: { algorithm: Algorithm; memoryCost: number; timeCost: number; parallelism: number; outputLen: number }): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
}

const nativeBackend: Argon2Backend = {
  hash: (password, options) => argon2Hash(password, options),
  verify: (phc, password) => argon2Verify(phc, password),
};

export interface PasswordHasherOptions {
  /** KiB per hash. OWASP's argon2id minimum: 19456 (19 MiB) with t=2, p=1. */
  memoryCost?: number;
  timeCost?: number;
  parallelism?: number;
  /** Hash/verify operations running at once; each holds `memoryCost` of memory on a libuv worker thread. */
  maxConcurrent?: number;
  /** Operations allowed to wait for a slot; beyond that callers get RATE_LIMITED instead of queueing. */
  maxQueue?: number;
  backend?: Argon2Backend;
}

export const OWASP_ARGON2ID = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const OUTPUT_LENGTH = 32;

const phcPattern = /^\$(argon2id|argon2i|argon2d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$([A-Za-z0-9+/]+)$/;

/**
 * argon2id password hashing (PHC strings) with a cap on concurrent work: every operation holds ~19 MiB and a
 * thread-pool worker, so a burst of sign-ins waits its turn in FIFO order, and past a bounded queue is turned
 * away with RATE_LIMITED rather than exhausting memory or stalling every other request.
 */
export class PasswordHasher {
  private readonly params: { memoryCost: number; timeCost: number; parallelism: number };
  private readonly maxConcurrent: number;
  private readonly maxQueue: number;
  private readonly backend: Argon2Backend;
  private readonly dummyHash: string;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: PasswordHasherOptions = {}) {
    this.params = {
      memoryCost: options.memoryCost ?? OWASP_ARGON2ID.memoryCost,
      timeCost: options.timeCost ?? OWASP_ARGON2ID.timeCost,
      parallelism: options.parallelism ?? OWASP_ARGON2ID.parallelism,
    };
    this.maxConcurrent = options.maxConcurrent ?? 4;
    this.maxQueue = options.maxQueue ?? 64;
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) throw new RangeError("PasswordHasher: maxConcurrent must be a positive integer");
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0) throw new RangeError("PasswordHasher: maxQueue must be a non-negative integer");
    this.backend = options.backend ?? nativeBackend;
    // Computed once, synchronously, at construction (the service builds one hasher at start), so even the
    // first unknown email costs exactly one verify; a random secret no password can match.
    this.dummyHash = argon2HashSync(randomBytes(32).toString("base64"), this.hashOptions());
  }

  private hashOptions() {
    return { algorithm: ARGON2ID, ...this.params, outputLen: OUTPUT_LENGTH };
  }

  /** Operations holding a slot right now, and waiting for one: for metrics and tests. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.maxConcurrent) {
      this.running++;
    } else {
      if (this.waiting.length >= this.maxQueue) {
        throw new DomainError("RATE_LIMITED", "Too many sign-in attempts in progress; retry shortly", { retryAfterSeconds: 1 });
      }
      // The releasing operation hands its slot straight over, so `running` stays counted for us.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of the NFKC-normalised password, never truncated. */
  hash(password: string): Promise<string> {
    const normalized = normalizePassword(password);
    return this.withSlot(() => this.backend.hash(normalized, this.hashOptions()));
  }

  /**
   * Whether `password` matches the stored PHC string, using the parameters recorded in it (so older hashes
   * still verify). A malformed stored hash throws: it is a data fault to surface, not a wrong password.
   */
  verify(phc: string, password: string): Promise<boolean> {
    const normalized = normalizePassword(password);
    return this.withSlot(() => this.backend.verify(phc, normalized));
  }

  /** The same work as a wrong password, for an account that does not exist or has no password. */
  async verifyAgainstDummy(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }

  /**
   * True when the stored hash is weaker than what `hash` writes now (another algorithm or version, less
   * memory, fewer passes, less parallelism, a shorter output) or unreadable; the caller re-hashes at sign-in.
   */
  needsRehash(phc: string): boolean {
    const match = phcPattern.exec(phc);
    if (!match) return true;
    const [, algorithm, version, m, t, p, digest] = match;
    if (algorithm !== "argon2id" || Number(version) !== 19) return true;
    if (Number(m) < this.params.memoryCost || Number(t) < this.params.timeCost || Number(p) < this.params.parallelism) return true;
    // Unpadded base64: 43 characters carry 32 bytes.
    return (digest?.length ?? 0) < Math.ceil((OUTPUT_LENGTH * 4) / 3);
  }
}
