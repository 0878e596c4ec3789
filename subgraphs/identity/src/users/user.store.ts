import { and, asc, eq, gt, ilike, inArray, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { users, type IdentityTables } from "../db/schema.js";

export type UserRecord = typeof users.$inferSelect;
export type NewUserRecord = typeof users.$inferInsert;

/** The only place that reads or writes `identity.users`. */
export class UserStore {
  constructor(private readonly db: Database<IdentityTables>) {}

  transaction<T>(work: (tx: Transaction<IdentityTables>) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Deletes the account; its sessions, tokens, codes and keys go with it (foreign keys cascade). */
  async delete(tx: Transaction<IdentityTables>, id: string): Promise<boolean> {
    const rows = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
    return rows.length > 0;
  }

  /** One statement for any number of ids: the batch function behind the per-request user loader. */
  async findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    return this.db.select().from(users).where(inArray(users.id, [...ids]));
  }

  /** Updates the named columns in the caller's transaction; undefined when the user does not exist. */
  async update(tx: Transaction<IdentityTables>, id: string, changes: Partial<NewUserRecord>): Promise<UserRecord | undefined> {
    const [row] = await tx
      .update(users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    return row;
  }

  /** Users in email order after `afterEmail`, optionally matching `search` in email or names. */
  async page(query: { search?: string; afterEmail?: string; limit: number }): Promise<UserRecord[]> {
    const conditions: SQL[] = [];
    if (query.search) {
      // LIKE wildcards in the search are taken literally.
      const pattern = `%${query.search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      conditions.push(or(ilike(users.email, pattern), ilike(users.firstName, pattern), ilike(users.lastName, pattern))!);
    }
    if (query.afterEmail) conditions.push(gt(users.email, query.afterEmail));
    return this.db.select().from(users).where(and(...conditions)).orderBy(asc(users.email)).limit(query.limit);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email));
    return row;
  }

  /** Inserts a user; undefined when the email is taken (a unique violation, raced or not). */
  async insert(tx: Transaction<IdentityTables>, record: NewUserRecord): Promise<UserRecord | undefined> {
    const [row] = await tx.insert(users).values(record).onConflictDoNothing({ target: users.email }).returning();
    return row;
  }

  /**
   * Records a TOTP step as used, unless this or a later step already was: of two requests with the same
   * code, exactly one gets through.
   */
  async advanceTotpStep(userId: string, step: number): Promise<boolean> {
    const rows = await this.db
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id });
    return rows.length === 1;
  }

  async upsertMany(records: NewUserRecord[]): Promise<void> {
    await this.db.insert(users).values(records).onConflictDoNothing();
  }
}
