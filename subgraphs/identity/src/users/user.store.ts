import { eq, inArray } from "drizzle-orm";
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

  async upsertMany(records: NewUserRecord[]): Promise<void> {
    await this.db.insert(users).values(records).onConflictDoNothing();
  }
}
