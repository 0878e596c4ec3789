import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { featureFlagChanges, featureFlagOverrides, featureFlags, type ConfigTables } from "../db/schema.js";

export type FlagRecord = typeof featureFlags.$inferSelect;
export type NewFlagRecord = typeof featureFlags.$inferInsert;
export type FlagOverrideRecord = typeof featureFlagOverrides.$inferSelect;
export type FlagChangeRecord = typeof featureFlagChanges.$inferSelect;
export type NewFlagChangeRecord = typeof featureFlagChanges.$inferInsert;
export type OverrideTarget = "user" | "vivarium";

/** The definition fields a change may set; every change also raises the version. */
export type FlagDefinitionChanges = Partial<Pick<FlagRecord, "description" | "enabled" | "rolloutPercentage" | "conditions" | "rolloutGroupId" | "stickiness">>;

/** A flag with its overrides, read together so the pair is consistent. */
export interface FlagState {
  flag: FlagRecord;
  overrides: FlagOverrideRecord[];
}

type Tx = Transaction<ConfigTables>;

/** The only place that reads or writes `config.feature_flags`, its overrides and its change history. */
export class FlagStore {
  constructor(private readonly db: Database<ConfigTables>) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Every flag, archived ones included (so a cache learns of archivals), each with its overrides. */
  async allStates(): Promise<FlagState[]> {
    return this.db.transaction(
      async (tx) => {
        const flags = await tx.select().from(featureFlags).orderBy(asc(featureFlags.name));
        const overrides = new Map<string, FlagOverrideRecord[]>();
        for (const override of await tx.select().from(featureFlagOverrides).orderBy(asc(featureFlagOverrides.createdAt))) {
          const ofFlag = overrides.get(override.flagId);
          if (ofFlag) ofFlag.push(override);
          else overrides.set(override.flagId, [override]);
        }
        return flags.map((flag) => ({ flag, overrides: overrides.get(flag.id) ?? [] }));
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
  }

  async stateById(id: string): Promise<FlagState | undefined> {
    return this.db.transaction(
      async (tx) => {
        const [flag] = await tx.select().from(featureFlags).where(eq(featureFlags.id, id));
        if (!flag) return undefined;
        const overrides = await tx.select().from(featureFlagOverrides).where(eq(featureFlagOverrides.flagId, id)).orderBy(asc(featureFlagOverrides.createdAt));
        return { flag, overrides };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
  }

  /** Inserts a flag; undefined when a live flag already has its name. */
  async insert(tx: Tx, record: NewFlagRecord): Promise<FlagRecord | undefined> {
    const [row] = await tx.insert(featureFlags).values(record).onConflictDoNothing().returning();
    return row;
  }

  /** The live flag of that name, locked until the transaction ends so changes to it queue up. */
  async lockLiveByName(tx: Tx, name: string): Promise<FlagRecord | undefined> {
    const [row] = await tx
      .select()
      .from(featureFlags)
      .where(and(eq(featureFlags.name, name), isNull(featureFlags.archivedAt)))
      .for("update");
    return row;
  }

  /** Applies definition changes (none for an override change) and raises the version. */
  async update(tx: Tx, id: string, changes: FlagDefinitionChanges & { archivedAt?: Date }): Promise<FlagRecord> {
    const [row] = await tx
      .update(featureFlags)
      .set({ ...changes, version: sql`${featureFlags.version} + 1`, updatedAt: new Date() })
      .where(eq(featureFlags.id, id))
      .returning();
    return row!;
  }

  /** A flag's overrides, read in the caller's transaction (which has the flag locked). */
  async overridesOf(tx: Tx, flagId: string): Promise<FlagOverrideRecord[]> {
    return tx.select().from(featureFlagOverrides).where(eq(featureFlagOverrides.flagId, flagId)).orderBy(asc(featureFlagOverrides.createdAt));
  }

  async override(tx: Tx, flagId: string, target: OverrideTarget, targetId: string): Promise<FlagOverrideRecord | undefined> {
    const [row] = await tx
      .select()
      .from(featureFlagOverrides)
      .where(and(eq(featureFlagOverrides.flagId, flagId), eq(featureFlagOverrides.target, target), eq(featureFlagOverrides.targetId, targetId)));
    return row;
  }

  async putOverride(tx: Tx, flagId: string, target: OverrideTarget, targetId: string, enabled: boolean): Promise<FlagOverrideRecord> {
    const [row] = await tx
      .insert(featureFlagOverrides)
      .values({ flagId, target, targetId, enabled })
      .onConflictDoUpdate({
        target: [featureFlagOverrides.flagId, featureFlagOverrides.target, featureFlagOverrides.targetId],
        set: { enabled, updatedAt: new Date() },
      })
      .returning();
    return row!;
  }

  async deleteOverride(tx: Tx, id: string): Promise<void> {
    await tx.delete(featureFlagOverrides).where(eq(featureFlagOverrides.id, id));
  }

  async recordChange(tx: Tx, change: NewFlagChangeRecord): Promise<FlagChangeRecord> {
    const [row] = await tx.insert(featureFlagChanges).values(change).returning();
    return row!;
  }

  /** Changes to flags of that name (archived ones too), newest first. */
  async changesByName(name: string, limit: number): Promise<FlagChangeRecord[]> {
    return this.db
      .select()
      .from(featureFlagChanges)
      .where(eq(featureFlagChanges.flagName, name))
      .orderBy(desc(featureFlagChanges.changedAt), desc(featureFlagChanges.version))
      .limit(limit);
  }

  async changeById(id: string): Promise<FlagChangeRecord | undefined> {
    const [row] = await this.db.select().from(featureFlagChanges).where(eq(featureFlagChanges.id, id));
    return row;
  }

  async insertIfAbsent(records: NewFlagRecord[]): Promise<void> {
    await this.db.insert(featureFlags).values(records).onConflictDoNothing();
  }
}
