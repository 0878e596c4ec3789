import { and, eq, ne } from "drizzle-orm";
import { userDirectory } from "../db/schema.js";
import type { Tx } from "../db/tenancy.js";

export type DirectoryEntry = typeof userDirectory.$inferSelect;
export type DirectoryChanges = Partial<Pick<DirectoryEntry, "email" | "emailVerified" | "isActive">>;

/** The only place that reads or writes `vivarium.user_directory`. */
export class DirectoryStore {
  async findByEmail(tx: Tx, email: string): Promise<DirectoryEntry | undefined> {
    const [row] = await tx.select().from(userDirectory).where(eq(userDirectory.email, email));
    return row;
  }

  async find(tx: Tx, userId: string): Promise<DirectoryEntry | undefined> {
    const [row] = await tx.select().from(userDirectory).where(eq(userDirectory.userId, userId));
    return row;
  }

  /**
   * Records an account. An address is one account's at a time: a row still holding it belongs to an account whose
   * deletion has not reached us yet, and gives it up.
   */
  async upsert(tx: Tx, entry: Pick<DirectoryEntry, "userId" | "email" | "emailVerified">): Promise<void> {
    await tx.delete(userDirectory).where(and(eq(userDirectory.email, entry.email), ne(userDirectory.userId, entry.userId)));
    await tx
      .insert(userDirectory)
      .values(entry)
      .onConflictDoUpdate({ target: userDirectory.userId, set: { email: entry.email, emailVerified: entry.emailVerified, updatedAt: new Date() } });
  }

  async update(tx: Tx, userId: string, changes: DirectoryChanges): Promise<void> {
    if (changes.email !== undefined) {
      await tx.delete(userDirectory).where(and(eq(userDirectory.email, changes.email), ne(userDirectory.userId, userId)));
    }
    await tx.update(userDirectory).set({ ...changes, updatedAt: new Date() }).where(eq(userDirectory.userId, userId));
  }

  async delete(tx: Tx, userId: string): Promise<void> {
    await tx.delete(userDirectory).where(eq(userDirectory.userId, userId));
  }
}
