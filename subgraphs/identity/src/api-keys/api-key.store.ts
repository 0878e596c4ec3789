import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { apiKeys, type IdentityTables } from "../db/schema.js";

export type ApiKeyRecord = typeof apiKeys.$inferSelect;
export type NewApiKeyRecord = typeof apiKeys.$inferInsert;

/** The only place that reads or writes `identity.api_keys`. */
export class ApiKeyStore {
  constructor(private readonly db: Database<IdentityTables>) {}

  transaction<T>(work: (tx: Transaction<IdentityTables>) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Inserts a key; undefined when its prefix is taken (the caller draws another). */
  async insert(record: NewApiKeyRecord): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.db.insert(apiKeys).values(record).onConflictDoNothing({ target: apiKeys.prefix }).returning();
    return row;
  }

  /** A user's keys that are not revoked (expired ones included), newest first. */
  async unrevokedForUser(userId: string): Promise<ApiKeyRecord[]> {
    return this.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  }

  async byPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
    return row;
  }

  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    return row;
  }

  /** Revokes a key of this user that is still unrevoked; returns it, or undefined when there was none. */
  async revoke(tx: Transaction<IdentityTables>, id: string, userId: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: at })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .returning();
    return row;
  }

  /** Revokes every unrevoked key of the user in the caller's transaction; returns them. */
  async revokeAllForUser(tx: Transaction<IdentityTables>, userId: string, at: Date): Promise<ApiKeyRecord[]> {
    return tx
      .update(apiKeys)
      .set({ revokedAt: at })
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .returning();
  }

  /** One statement for every key used since the last call. */
  async markUsed(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db.update(apiKeys).set({ lastUsedAt: at }).where(inArray(apiKeys.id, [...ids]));
  }
}
