import { DomainError, isUuid, sessionEndedEvent, type Outbox, type SessionRevocations, type Transaction } from "@repti/kit";
import type { IdentityTables } from "../db/schema.js";
import { childRefreshToken, hashToken, newRefreshToken, sameHash } from "./refresh-token.js";
import type { SessionRecord, SessionStore } from "./session.store.js";

export interface SessionPolicy {
  refreshTokenTtlSeconds: number;
  reuseGraceSeconds: number;
  /** Access-token lifetime: how long a revocation must be remembered by verifiers. */
  accessTokenTtlSeconds: number;
  /** Secret for deriving a rotated token's child (see refresh-token.ts). */
  refreshSecret: Buffer;
  /** How long after entering the password a session may change sign-in settings (two-factor). */
  recentSignInSeconds: number;
}

export interface ClientInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

export interface IssuedSession {
  session: SessionRecord;
  refreshToken: string;
}

const invalidRefreshToken = () => new DomainError("UNAUTHENTICATED", "Refresh token is invalid, expired or revoked");

/**
 * Sessions and their refresh-token families (RFC 9700 rotation with reuse detection). A session is one
 * login; every refresh rotates its token; presenting a rotated token again ends the whole session, except
 * the immediate predecessor within a short grace window, which gets the same child back.
 */
export class SessionService {
  constructor(
    private readonly store: SessionStore,
    private readonly outbox: Outbox,
    private readonly revocations: SessionRevocations,
    private readonly policy: SessionPolicy,
  ) {}

  /** Starts a session inside the caller's transaction (the login that creates it). */
  async start(tx: Transaction<IdentityTables>, userId: string, client: ClientInfo, now = new Date()): Promise<IssuedSession> {
    const expiresAt = new Date(now.getTime() + this.policy.refreshTokenTtlSeconds * 1000);
    const session = await this.store.create(tx, { userId, userAgent: client.userAgent, ipAddress: client.ipAddress, expiresAt, lastUsedAt: now });
    const refreshToken = newRefreshToken();
    await this.store.addRefreshToken(tx, { sessionId: session.id, tokenHash: hashToken(refreshToken), expiresAt });
    await this.outbox.enqueue(tx, {
      type: "auth.session.started",
      aggregateId: userId,
      payload: { userId, sessionId: session.id, userAgent: client.userAgent, ipAddress: client.ipAddress },
    });
    return { session, refreshToken };
  }

  async refresh(presented: string, client: ClientInfo, now = new Date()): Promise<IssuedSession> {
    const found = await this.store.findRefreshToken(hashToken(presented));
    if (!found) throw invalidRefreshToken();
    const { token, session } = found;
    if (session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) throw invalidRefreshToken();

    const outcome = await this.store.transaction(async (tx) => {
      if (await this.store.markRotated(tx, token.id, now)) {
        const child = childRefreshToken(this.policy.refreshSecret, presented);
        await this.store.addRefreshToken(tx, { sessionId: session.id, tokenHash: hashToken(child), parentId: token.id, expiresAt: session.expiresAt });
        await this.store.touch(tx, session.id, now, client.ipAddress);
        return { refreshToken: child };
      }
      // Already rotated: the immediate predecessor within the grace window, or a replay.
      const rotatedAt = token.rotatedAt ?? now;
      const child = await this.store.childOf(tx, token.id);
      const derived = childRefreshToken(this.policy.refreshSecret, presented);
      const withinGrace = now.getTime() - rotatedAt.getTime() <= this.policy.reuseGraceSeconds * 1000;
      if (child && !child.rotatedAt && withinGrace && sameHash(child.tokenHash, hashToken(derived))) {
        return { refreshToken: derived };
      }
      await this.endSessions(tx, { sessionId: session.id }, "refresh_token_reuse", session.userId, now);
      return { reuse: true as const };
    });
    if ("reuse" in outcome) throw invalidRefreshToken();
    return { session, refreshToken: outcome.refreshToken };
  }

  async list(userId: string, now = new Date()): Promise<SessionRecord[]> {
    return this.store.activeForUser(userId, now);
  }

  /** Ends the session a refresh token belongs to: holding the token is the proof of ownership. */
  async endByRefreshToken(presented: string): Promise<boolean> {
    const found = await this.store.findRefreshToken(hashToken(presented));
    if (!found) return false;
    return this.end(found.session.userId, { sessionId: found.session.id }, "logout");
  }

  /**
   * For changes that would let a stolen access or refresh token take the account over (turning two-factor on
   * or off): the session must have been signed into with the password recently. Refreshing does not count.
   */
  async assertRecentSignIn(sessionId: string, now = new Date()): Promise<void> {
    const session = await this.store.byId(sessionId);
    const signedInAgoMs = session ? now.getTime() - session.createdAt.getTime() : Infinity;
    if (signedInAgoMs > this.policy.recentSignInSeconds * 1000) {
      throw new DomainError("FORBIDDEN", `Sign in again: this change needs a sign-in from the last ${Math.round(this.policy.recentSignInSeconds / 60)} minutes`, {
        reauthenticate: true,
      });
    }
  }

  /** Ends one of the caller's sessions; NOT_FOUND for anyone else's (their existence is not revealed). */
  async endOwn(userId: string, sessionId: string, reason: string): Promise<boolean> {
    const session = isUuid(sessionId) ? await this.store.byId(sessionId) : undefined;
    if (!session || session.userId !== userId) throw new DomainError("NOT_FOUND", "Session not found");
    return this.end(userId, { sessionId }, reason);
  }

  async end(userId: string, where: { sessionId?: string; exceptSessionId?: string }, reason: string): Promise<boolean> {
    const ended = await this.store.transaction((tx) => this.endSessions(tx, { ...where, userId }, reason, userId, new Date()));
    return ended.length > 0;
  }

  /**
   * Ends sessions in the caller's transaction, announces it, and puts them on the revocation list so their
   * access tokens stop working before they expire.
   */
  async endSessions(
    tx: Transaction<IdentityTables>,
    where: { sessionId?: string; userId?: string; exceptSessionId?: string },
    reason: string,
    userId: string,
    now: Date,
  ): Promise<SessionRecord[]> {
    const ended = await this.store.revoke(tx, where, reason, now);
    if (ended.length === 0) return ended;
    const sessionIds = ended.map((session) => session.id);
    await this.outbox.enqueue(tx, { type: sessionEndedEvent, aggregateId: userId, payload: { userId, sessionIds, reason } });
    await this.revocations.revoke(sessionIds, this.policy.accessTokenTtlSeconds + 60);
    return ended;
  }
}
