import { and, desc, eq } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { configEntries, type ConfigTables } from "../db/schema.js";

export type ConfigEntryRecord = typeof configEntries.$inferSelect;
export type NewConfigEntryRecord = typeof configEntries.$inferInsert;

/** The only place that reads or writes `config.config_entries`. */
export class ConfigEntryStore {
  constructor(private readonly db: Database<ConfigTables>) {}

  /** The current (highest) version of every key of an environment, deleted keys left out. */
  async currentForEnvironment(environment: string): Promise<ConfigEntryRecord[]> {
    const rows = await this.db
      .selectDistinctOn([configEntries.key])
      .from(configEntries)
      .where(eq(configEntries.environment, environment))
      .orderBy(configEntries.key, desc(configEntries.version));
    return rows.filter((row) => !row.deleted);
  }

  async current(key: string, environment: string): Promise<ConfigEntryRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(configEntries)
      .where(and(eq(configEntries.key, key), eq(configEntries.environment, environment)))
      .orderBy(desc(configEntries.version))
      .limit(1);
    return row && !row.deleted ? row : undefined;
  }

  async insertIfAbsent(records: NewConfigEntryRecord[]): Promise<void> {
    await this.db.insert(configEntries).values(records).onConflictDoNothing();
  }
}
