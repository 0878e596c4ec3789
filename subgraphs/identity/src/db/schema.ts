import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgSchema, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
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
    /** TOTP secret (base32), encrypted at rest; set at enrolment, confirmed when `mfa_enabled` turns true. */
    totpSecretEncrypted: text("totp_secret_encrypted"),
    /** The last TOTP time step accepted: a code of that step or earlier is refused (no replay in its window). */
    totpLastStep: bigint("totp_last_step", { mode: "number" }),
    passwordChangedAt: timestamptz("password_changed_at"),
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

/**
 * One refresh token of a session. A session is one login's token family: each rotation adds a child and
 * marks the parent rotated; presenting a rotated token (other than the immediate predecessor within the grace
 * window) revokes the session. Only hashes are stored.
 */
export const refreshTokens = identitySchema.table(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    parentId: uuid("parent_id"),
    createdAt: createdAt(),
    rotatedAt: timestamptz("rotated_at"),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (table) => [uniqueIndex("refresh_tokens_hash_key").on(table.tokenHash), index("refresh_tokens_session_idx").on(table.sessionId)],
);

export const emailTokenPurpose = identitySchema.enum("email_token_purpose", ["verify_email", "reset_password"]);

/** Single-use, expiring tokens sent by email (verification, password reset); only their hash is kept. */
export const emailTokens = identitySchema.table(
  "email_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: emailTokenPurpose("purpose").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("email_tokens_hash_key").on(table.tokenHash), index("email_tokens_user_idx").on(table.userId, table.purpose)],
);

/**
 * Mail to send, written in the transaction that causes it; the mailer delivers it (SMTP) or, without SMTP,
 * keeps it here as the development mailbox.
 */
export const mailOutbox = identitySchema.table(
  "mail_outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    template: text("template").notNull(),
    createdAt: createdAt(),
    sentAt: timestamptz("sent_at"),
    transport: text("transport"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** Set for mails caused by an event (delivered at least once): the same key is queued once. */
    idempotencyKey: text("idempotency_key").unique(),
  },
  (table) => [index("mail_outbox_pending_idx").on(table.createdAt).where(sql`${table.sentAt} is null`)],
);

/** Ten single-use MFA recovery codes per user, hashed. */
export const recoveryCodes = identitySchema.table(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: createdAt(),
  },
  (table) => [index("recovery_codes_user_idx").on(table.userId)],
);

/**
 * Token signing keys. The private key is encrypted with a key from the environment. A key signs from
 * `activates_at` until `retires_at`; its public half stays in the JWKS until `expires_at`, when no token it
 * signed can still be valid.
 */
export const signingKeys = identitySchema.table("signing_keys", {
  kid: text("kid").primaryKey(),
  algorithm: text("algorithm").notNull(),
  publicJwk: jsonb("public_jwk").notNull(),
  privateKeyEncrypted: text("private_key_encrypted").notNull(),
  createdAt: createdAt(),
  activatesAt: timestamptz("activates_at").notNull(),
  retiresAt: timestamptz("retires_at").notNull(),
  expiresAt: timestamptz("expires_at").notNull(),
});

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

export const tables = { users, sessions, refreshTokens, emailTokens, mailOutbox, recoveryCodes, signingKeys, apiKeys, outbox };
export type IdentityTables = typeof tables;
