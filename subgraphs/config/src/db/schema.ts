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
    archivedAt: timestamptz("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("feature_flags_name_key").on(table.name),
    check("feature_flags_rollout_range", sql`${table.rolloutPercentage} between 0 and 100`),
  ],
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
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("config_entries_key_env_version_key").on(table.key, table.environment, table.version),
    index("config_entries_env_idx").on(table.environment),
  ],
);

export const outbox = defineOutbox(configSchema);

export const tables = { featureFlags, configEntries, outbox };
export type ConfigTables = typeof tables;
