import { asc, inArray } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { vivariumMembers, type VivariumTables } from "../db/schema.js";

export type MemberRecord = typeof vivariumMembers.$inferSelect;
export type NewMemberRecord = typeof vivariumMembers.$inferInsert;

/** The only place that reads or writes `vivarium.vivarium_members`. */
export class MemberStore {
  constructor(private readonly db: Database<VivariumTables>) {}

  async findByVivariumIds(vivariumIds: readonly string[]): Promise<MemberRecord[]> {
    if (vivariumIds.length === 0) return [];
    return this.db
      .select()
      .from(vivariumMembers)
      .where(inArray(vivariumMembers.vivariumId, [...vivariumIds]))
      .orderBy(asc(vivariumMembers.joinedAt));
  }

  async insertIfAbsent(records: NewMemberRecord[]): Promise<void> {
    await this.db.insert(vivariumMembers).values(records).onConflictDoNothing();
  }
}
