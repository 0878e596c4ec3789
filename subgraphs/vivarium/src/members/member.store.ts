import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { vivariumMembers, vivariums } from "../db/schema.js";
import { isUniqueViolation } from "../db/errors.js";
import type { Tx } from "../db/tenancy.js";

export type MemberRecord = typeof vivariumMembers.$inferSelect;
export type NewMemberRecord = typeof vivariumMembers.$inferInsert;

/** The only place that reads or writes `vivarium.vivarium_members`. */
export class MemberStore {
  /** Members of the given vivariums, longest-standing first, in one statement. */
  async findByVivariumIds(tx: Tx, vivariumIds: readonly string[]): Promise<MemberRecord[]> {
    if (vivariumIds.length === 0) return [];
    return tx
      .select()
      .from(vivariumMembers)
      .where(inArray(vivariumMembers.vivariumId, [...vivariumIds]))
      .orderBy(asc(vivariumMembers.joinedAt), asc(vivariumMembers.id));
  }

  async find(tx: Tx, vivariumId: string, userId: string): Promise<MemberRecord | undefined> {
    const [row] = await tx
      .select()
      .from(vivariumMembers)
      .where(and(eq(vivariumMembers.vivariumId, vivariumId), eq(vivariumMembers.userId, userId)));
    return row;
  }

  /** The memberships of one user in vivariums not deleted (platform work: an account leaving identity). */
  async findByUser(tx: Tx, userId: string): Promise<MemberRecord[]> {
    return tx
      .select({ member: vivariumMembers })
      .from(vivariumMembers)
      .innerJoin(vivariums, eq(vivariums.id, vivariumMembers.vivariumId))
      .where(and(eq(vivariumMembers.userId, userId), isNull(vivariums.deletedAt)))
      .then((rows) => rows.map((row) => row.member));
  }

  /**
   * Inserts a membership; false when the user is already a member (in a savepoint, so the transaction goes on).
   * No RETURNING: a joining user may read the vivarium's members only once the row exists.
   */
  async insert(tx: Tx, record: NewMemberRecord & { id: string }): Promise<boolean> {
    try {
      await tx.transaction((savepoint) => savepoint.insert(vivariumMembers).values(record));
      return true;
    } catch (error) {
      if (isUniqueViolation(error, "vivarium_members_vivarium_user_key")) return false;
      throw error;
    }
  }

  async updateRole(tx: Tx, id: string, role: MemberRecord["role"]): Promise<MemberRecord> {
    const [row] = await tx.update(vivariumMembers).set({ role }).where(eq(vivariumMembers.id, id)).returning();
    return row!;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.delete(vivariumMembers).where(eq(vivariumMembers.id, id));
  }

  /** The demo memberships (`pnpm dev`); idempotent. */
  async insertIfAbsent(tx: Tx, records: NewMemberRecord[]): Promise<void> {
    await tx.insert(vivariumMembers).values(records).onConflictDoNothing();
  }
}
