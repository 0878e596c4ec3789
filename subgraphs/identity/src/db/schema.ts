import { sql } from "drizzle-orm";
import { boolean, index, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { defineOutbox } from "@repti/kit";

export const identitySchema = pgSchema("identity");

export const platformRole = identitySchema.enum("platform_role", ["USER", "ADMIN"]);

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};

export const users = identitySchema.table(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored normalised (trimmed, lower case); uniqueness is on this column. */
    email: text("email").notNull(),
    /** argon2id PHC string; null for accounts that have not set a password (invited, external). */
    passwordHash: text("password_hash"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true, mode: "date" }),
    isActive: boolean("is_active").notNull().default(true),
    platformRole: platformRole("platform_role").notNull().default("USER"),
    mfaEnabled: boolean("mfa_enabled").notNull().default(false),
    ...timestamps,
  },
  (table) => [uniqueIndex("users_email_key").on(table.email)],
);

/** One signed-in device: the `sid` of its access tokens. */
export const sessions = identitySchema.table(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userAgent: text("user_agent"),
    ipAddress: text("ip_address"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    revokedReason: text("revoked_reason"),
  },
  (table) => [index("sessions_user_active_idx").on(table.userId).where(sql`${table.revokedAt} is null`)],
);

/** Keys of services and scripts. Only a hash of the secret is kept; `prefix` identifies a key when shown. */
export const apiKeys = identitySchema.table(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** A key may act for one vivarium; the vivarium lives in another subgraph, so no foreign key. */
    vivariumId: uuid("vivarium_id"),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("api_keys_prefix_key").on(table.prefix), index("api_keys_user_idx").on(table.userId)],
);

export const outbox = defineOutbox(identitySchema);

export const tables = { users, sessions, apiKeys, outbox };
export type IdentityTables = typeof tables;
