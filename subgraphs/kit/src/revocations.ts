import { Redis } from "ioredis";
import type { EventBus } from "./bus.js";
import type { Logger } from "./logger.js";

/** Event identity announces when a session ends (logout, revocation, reuse detection, password change). */
export const sessionEndedEvent = "auth.session.ended";
/** Event identity announces when an API key is revoked; its access tokens carry the key's id (`key_id`). */
export const apiKeyRevokedEvent = "auth.api_key.revoked";

/**
 * Sessions that ended while access tokens naming them (`sid`) may still be unexpired. Every verifier checks
 * it, so an ended session's access token stops working at once rather than at its expiry.
 */
export interface SessionRevocations {
  revoke(sessionIds: readonly string[], ttlSeconds: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Shared through Redis: every instance of every service sees a revocation at its next request. */
class RedisRevocations implements SessionRevocations {
  private readonly redis: Redis;
  constructor(url: string, private readonly prefix: string, log: Logger) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, connectionName: `${prefix}:revocations` });
    this.redis.on("error", (error: Error) => log.warn({ err: error }, "redis revocation list connection error"));
  }
  private key(sessionId: string) {
    return `${this.prefix}:revoked-session:${sessionId}`;
  }
  async revoke(sessionIds: readonly string[], ttlSeconds: number): Promise<void> {
    if (sessionIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.set(this.key(id), "1", "EX", ttlSeconds);
    await pipeline.exec();
  }
  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(sessionId))) === 1;
  }
  async close(): Promise<void> {
    await this.redis.quit().catch(() => {});
  }
}

/**
 * Without Redis (one process, in-process bus): each service keeps its own list, fed by the
 * `auth.session.ended` and `auth.api_key.revoked` events identity publishes, plus its own revocations.
 */
class InProcessRevocations implements SessionRevocations {
  private readonly revoked = new Map<string, number>();
  private readonly unsubscribe: () => void;
  constructor(bus: EventBus, private readonly ttlSeconds: number) {
    this.unsubscribe = bus.subscribe(
      (event) => {
        const payload = event.payload as { sessionIds?: string[]; apiKeyId?: string };
        const ids = event.type === apiKeyRevokedEvent ? (payload.apiKeyId ? [payload.apiKeyId] : []) : (payload.sessionIds ?? []);
        void this.revoke(ids, this.ttlSeconds);
      },
      { types: [sessionEndedEvent, apiKeyRevokedEvent] },
    );
  }
  async revoke(sessionIds: readonly string[], ttlSeconds: number): Promise<void> {
    const until = Date.now() + ttlSeconds * 1000;
    for (const id of sessionIds) this.revoked.set(id, until);
  }
  async isRevoked(sessionId: string): Promise<boolean> {
    const until = this.revoked.get(sessionId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.revoked.delete(sessionId);
    return false;
  }
  async close(): Promise<void> {
    this.unsubscribe();
    this.revoked.clear();
  }
}

export function createSessionRevocations(options: {
  redisUrl: string | undefined;
  prefix: string;
  bus: EventBus;
  log: Logger;
  /** Longest access-token lifetime: how long a revocation must be remembered. */
  ttlSeconds: number;
}): SessionRevocations {
  return options.redisUrl
    ? new RedisRevocations(options.redisUrl, options.prefix, options.log)
    : new InProcessRevocations(options.bus, options.ttlSeconds);
}
