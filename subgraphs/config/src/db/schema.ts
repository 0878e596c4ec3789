import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgSchema, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, defineOutbox, timestamptz, updatedAt } from "@repti/kit";

export const configSchema = pgSchema("config");

export const featureFlags = configSchema.table(
  "feature_flags",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    enabled: boolean("enabled").notNull().default(false),
    rolloutPercentage: integer("rollout_percentage").notNull().default(100),
    /** Unleash-style constraints; all must hold. */
    conditions: jsonb("conditions").notNull().default(sql`'[]'::jsonb`),
    /** Unleash's flexible-rollout `groupId`: flags sharing one bucket the same users together. Null: the flag's name. */
    rolloutGroupId: text("rollout_group_id"),
    /** Which context field buckets a caller: `default` (userId, then vivariumId) or a field name. */
    stickiness: text("stickiness").notNull().default("default"),
    /** Raised by every change to the flag or its overrides, so caches apply changes in order. */
    version: integer("version").notNull().default(1),
    archivedAt: timestamptz("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // An archived flag keeps its history; its name may be given to a new flag.
    uniqueIndex("feature_flags_live_name_key").on(table.name).where(sql`${table.archivedAt} is null`),
    check("feature_flags_rollout_range", sql`${table.rolloutPercentage} between 0 and 100`),
  ],
);

/** A flag forced on or off for one user or one vivarium, whatever its rollout and conditions say. */
export const featureFlagOverrides = configSchema.table(
  "feature_flag_overrides",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    flagId: uuid("flag_id")
      .notNull()
      .references(() => featureFlags.id),
    /** `user` or `vivarium`. */
    target: text("target").notNull(),
    targetId: uuid("target_id").notNull(),
    enabled: boolean("enabled").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("feature_flag_overrides_target_key").on(table.flagId, table.target, table.targetId),
    check("feature_flag_overrides_target_kind", sql`${table.target} in ('user', 'vivarium')`),
  ],
);

/** Every change to a flag or its overrides: who, when, and the state before and after. Append-only. */
export const featureFlagChanges = configSchema.table(
  "feature_flag_changes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    flagId: uuid("flag_id")
      .notNull()
      .references(() => featureFlags.id),
    flagName: text("flag_name").notNull(),
    /** CREATED, UPDATED, TOGGLED, DELETED or OVERRIDDEN. */
    action: text("action").notNull(),
    /** The flag's version after the change. */
    version: integer("version").notNull(),
    /** The flag as the change left it (as it was, for a deletion). */
    flag: jsonb("flag").notNull(),
    /** What changed: the flag's definition, or for OVERRIDDEN the one override, before and after. */
    before: jsonb("before"),
    after: jsonb("after"),
    changedByUserId: uuid("changed_by_user_id"),
    changedByApiKeyId: uuid("changed_by_api_key_id"),
    changedAt: timestamptz("changed_at").notNull().defaultNow(),
  },
  (table) => [index("feature_flag_changes_name_idx").on(table.flagName, table.changedAt)],
);

/**
 * App config, append-only: every `setConfig` adds a version, so history and rollback come for free.
 * The current value of (key, environment) is its highest version; a deletion is a version with `deleted`.
 */
export const configEntries = configSchema.table(
  "config_entries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    key: text("key").notNull(),
    environment: text("environment").notNull(),
    version: integer("version").notNull(),
    value: jsonb("value").notNull(),
    description: text("description"),
    /** Optional JSON Schema that later values must satisfy. */
    valueSchema: jsonb("value_schema"),
    deleted: boolean("deleted").notNull().default(false),
    changedByUserId: uuid("changed_by_user_id"),
    changedByApiKeyId: uuid("changed_by_api_key_id"),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("config_entries_key_env_version_key").on(table.key, table.environment, table.version),
    index("config_entries_env_idx").on(table.environment),
  ],
);

export const outbox = defineOutbox(configSchema);

export const tables = { featureFlags, featureFlagOverrides, featureFlagChanges, configEntries, outbox };
export type ConfigTables = typeof tables;
