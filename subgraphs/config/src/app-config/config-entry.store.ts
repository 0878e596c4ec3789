import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { configEntries, type ConfigTables } from "../db/schema.js";

export type ConfigEntryRecord = typeof configEntries.$inferSelect;
export type NewConfigEntryRecord = typeof configEntries.$inferInsert;

type Tx = Transaction<ConfigTables>;

/** The only place that reads or writes `config.config_entries`. */
export class ConfigEntryStore {
  constructor(private readonly db: Database<ConfigTables>) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The latest version of every key of every environment, deletions included (a cache learns of them). */
  async allLatest(): Promise<ConfigEntryRecord[]> {
    return this.db
      .selectDistinctOn([configEntries.environment, configEntries.key])
      .from(configEntries)
      .orderBy(configEntries.environment, configEntries.key, desc(configEntries.version));
  }

  /** The latest version of one key, deleted or not; pass the transaction to read it under the key's lock. */
  async latest(key: string, environment: string, tx: Tx | Database<ConfigTables> = this.db): Promise<ConfigEntryRecord | undefined> {
    const [row] = await tx
      .select()
      .from(configEntries)
      .where(and(eq(configEntries.key, key), eq(configEntries.environment, environment)))
      .orderBy(desc(configEntries.version))
      .limit(1);
    return row;
  }

  /**
   * Serialises writers of one key until the transaction ends. A new key has no row to lock yet, so the lock is
   * an advisory one on the key's name; two keys sharing a hash merely wait for each other.
   */
  async lockKey(tx: Tx, key: string, environment: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`config:${environment}:${key}`}))`);
  }

  async insertVersion(tx: Tx, record: NewConfigEntryRecord): Promise<ConfigEntryRecord> {
    const [row] = await tx.insert(configEntries).values(record).returning();
    return row!;
  }

  /** Every version of one key, newest first. */
  async versions(key: string, environment: string, limit: number): Promise<ConfigEntryRecord[]> {
    return this.db
      .select()
      .from(configEntries)
      .where(and(eq(configEntries.key, key), eq(configEntries.environment, environment)))
      .orderBy(desc(configEntries.version))
      .limit(limit);
  }

  async byId(id: string): Promise<ConfigEntryRecord | undefined> {
    const [row] = await this.db.select().from(configEntries).where(eq(configEntries.id, id));
    return row;
  }

  async insertIfAbsent(records: NewConfigEntryRecord[]): Promise<void> {
    await this.db.insert(configEntries).values(records).onConflictDoNothing();
  }
}
