import { asc, eq, isNull, and } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { featureFlags, type ConfigTables } from "../db/schema.js";

export type FlagRecord = typeof featureFlags.$inferSelect;
export type NewFlagRecord = typeof featureFlags.$inferInsert;

/** The only place that reads or writes `config.feature_flags`. Archived flags are not returned. */
export class FlagStore {
  constructor(private readonly db: Database<ConfigTables>) {}

  async all(): Promise<FlagRecord[]> {
    return this.db.select().from(featureFlags).where(isNull(featureFlags.archivedAt)).orderBy(asc(featureFlags.name));
  }

  async byName(name: string): Promise<FlagRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(featureFlags)
      .where(and(eq(featureFlags.name, name), isNull(featureFlags.archivedAt)));
    return row;
  }

  async insertIfAbsent(records: NewFlagRecord[]): Promise<void> {
    await this.db.insert(featureFlags).values(records).onConflictDoNothing();
  }
}
