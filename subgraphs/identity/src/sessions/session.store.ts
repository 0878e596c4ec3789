import { and, desc, eq, gt, isNull, ne } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { refreshTokens, sessions, type IdentityTables } from "../db/schema.js";

export type SessionRecord = typeof sessions.$inferSelect;
export type RefreshTokenRecord = typeof refreshTokens.$inferSelect;
type Tx = Transaction<IdentityTables>;

/** The only place that reads or writes `identity.sessions` and `identity.refresh_tokens`. */
export class SessionStore {
  constructor(private readonly db: Database<IdentityTables>) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async create(tx: Tx, session: typeof sessions.$inferInsert): Promise<SessionRecord> {
    const [row] = await tx.insert(sessions).values(session).returning();
    return row!;
  }

  async addRefreshToken(tx: Tx, token: typeof refreshTokens.$inferInsert): Promise<void> {
    await tx.insert(refreshTokens).values(token);
  }

  async findRefreshToken(tokenHash: string): Promise<{ token: RefreshTokenRecord; session: SessionRecord } | undefined> {
    const [row] = await this.db
      .select({ token: refreshTokens, session: sessions })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, tokenHash));
    return row;
  }

  async childOf(tx: Tx, parentId: string): Promise<RefreshTokenRecord | undefined> {
    const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.parentId, parentId));
    return row;
  }

  /** Marks a token rotated; false when another request rotated it first (the caller lost the race). */
  async markRotated(tx: Tx, id: string, at: Date): Promise<boolean> {
    const rows = await tx
      .update(refreshTokens)
      .set({ rotatedAt: at })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.rotatedAt)))
      .returning({ id: refreshTokens.id });
    return rows.length === 1;
  }

  async touch(tx: Tx, sessionId: string, at: Date, ipAddress: string | null): Promise<void> {
    await tx.update(sessions).set({ lastUsedAt: at, ...(ipAddress ? { ipAddress } : {}) }).where(eq(sessions.id, sessionId));
  }

  /** Ends sessions that are still active; returns the ones it ended. */
  async revoke(tx: Tx, where: { sessionId?: string; userId?: string; exceptSessionId?: string }, reason: string, at: Date): Promise<SessionRecord[]> {
    const conditions = [isNull(sessions.revokedAt)];
    if (where.sessionId) conditions.push(eq(sessions.id, where.sessionId));
    if (where.userId) conditions.push(eq(sessions.userId, where.userId));
    if (where.exceptSessionId) conditions.push(ne(sessions.id, where.exceptSessionId));
    return tx.update(sessions).set({ revokedAt: at, revokedReason: reason }).where(and(...conditions)).returning();
  }

  async activeForUser(userId: string, now: Date): Promise<SessionRecord[]> {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .orderBy(desc(sessions.lastUsedAt));
  }

  async byId(id: string): Promise<SessionRecord | undefined> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, id));
    return row;
  }
}
