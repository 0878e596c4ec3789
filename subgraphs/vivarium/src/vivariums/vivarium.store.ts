import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { vivariumMembers, vivariums, type VivariumTables } from "../db/schema.js";

export type VivariumRecord = typeof vivariums.$inferSelect;
export type NewVivariumRecord = typeof vivariums.$inferInsert;

/** The only place that reads or writes `vivarium.vivariums`. Soft-deleted vivariums are never returned. */
export class VivariumStore {
  constructor(private readonly db: Database<VivariumTables>) {}

  async findByIds(ids: readonly string[]): Promise<VivariumRecord[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(vivariums)
      .where(and(inArray(vivariums.id, [...ids]), isNull(vivariums.deletedAt)));
  }

  async findBySlug(slug: string): Promise<VivariumRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(vivariums)
      .where(and(eq(vivariums.slug, slug), isNull(vivariums.deletedAt)));
    return row;
  }

  /** The vivariums each of the given users belongs to, in one statement. */
  async findByMemberUserIds(userIds: readonly string[]): Promise<Array<{ userId: string; vivarium: VivariumRecord }>> {
    if (userIds.length === 0) return [];
    return this.db
      .select({ userId: vivariumMembers.userId, vivarium: vivariums })
      .from(vivariumMembers)
      .innerJoin(vivariums, eq(vivariums.id, vivariumMembers.vivariumId))
      .where(and(inArray(vivariumMembers.userId, [...userIds]), isNull(vivariums.deletedAt)))
      .orderBy(vivariums.name);
  }

  async insertIfAbsent(record: NewVivariumRecord): Promise<void> {
    await this.db.insert(vivariums).values(record).onConflictDoNothing();
  }
}
