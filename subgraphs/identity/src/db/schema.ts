import { sql } from "drizzle-orm";
import { boolean, index, pgSchema, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, defineOutbox, timestamptz, updatedAt } from "@repti/kit";

export const identitySchema = pgSchema("identity");

export const platformRole = identitySchema.enum("platform_role", ["USER", "ADMIN"]);


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
    emailVerifiedAt: timestamptz("email_verified_at"),
    isActive: boolean("is_active").notNull().default(true),
    platformRole: platformRole("platform_role").notNull().default("USER"),
    mfaEnabled: boolean("mfa_enabled").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
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
    createdAt: createdAt(),
    lastUsedAt: timestamptz("last_used_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
    revokedAt: timestamptz("revoked_at"),
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
    expiresAt: timestamptz("expires_at"),
    lastUsedAt: timestamptz("last_used_at"),
    revokedAt: timestamptz("revoked_at"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("api_keys_prefix_key").on(table.prefix), index("api_keys_user_idx").on(table.userId)],
);

export const outbox = defineOutbox(identitySchema);

export const tables = { users, sessions, apiKeys, outbox };
export type IdentityTables = typeof tables;
