import { sql } from "drizzle-orm";
import { boolean, index, jsonb, pgSchema, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, defineOutbox, timestamptz, updatedAt } from "@repti/kit";

export const vivariumSchema = pgSchema("vivarium");

/** Husbandry names for RBAC: viewer, editor, admin, owner. Each includes everything of the ones before it. */
export const vivariumRole = vivariumSchema.enum("vivarium_role", ["KEEPER", "HANDLER", "CURATOR", "HERPETOLOGIST"]);

export const vivariums = vivariumSchema.table(
  "vivariums",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    description: text("description"),
    settings: jsonb("settings").notNull().default(sql`'{}'::jsonb`),
    subscriptionTier: text("subscription_tier").notNull().default("free"),
    /** A user of identity (no cross-schema foreign key): the HERPETOLOGIST shown as owner. */
    ownerUserId: uuid("owner_user_id").notNull(),
    isActive: boolean("is_active").notNull().default(true),
    /** Soft delete: invisible to every request from then on, purged once the retention period has passed. */
    deletedAt: timestamptz("deleted_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // A deleted vivarium keeps its slug until it is purged, so old links never reach a newcomer meanwhile.
    uniqueIndex("vivariums_slug_key").on(table.slug),
    index("vivariums_deleted_idx").on(table.deletedAt).where(sql`${table.deletedAt} is not null`),
  ],
);

export const vivariumMembers = vivariumSchema.table(
  "vivarium_members",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    vivariumId: uuid("vivarium_id")
      .notNull()
      .references(() => vivariums.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull(),
    role: vivariumRole("role").notNull(),
    invitedByUserId: uuid("invited_by_user_id"),
    joinedAt: timestamptz("joined_at").notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("vivarium_members_vivarium_user_key").on(table.vivariumId, table.userId),
    index("vivarium_members_user_idx").on(table.userId),
  ],
);

/**
 * Every role change: who changed whose role, from what to what, and why. A null old role is a joining member, a
 * null new role a departing one. Rows are never updated.
 */
export const vivariumRoleAudit = vivariumSchema.table(
  "vivarium_role_audit",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    vivariumId: uuid("vivarium_id")
      .notNull()
      .references(() => vivariums.id, { onDelete: "cascade" }),
    /** Null when the platform made the change (an account deleted or deactivated in identity). */
    actorUserId: uuid("actor_user_id"),
    subjectUserId: uuid("subject_user_id").notNull(),
    oldRole: vivariumRole("old_role"),
    newRole: vivariumRole("new_role"),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (table) => [index("vivarium_role_audit_vivarium_idx").on(table.vivariumId, table.createdAt)],
);

/**
 * An invitation mailed to an address, whether or not it has an account yet. Only the token's SHA-256 is kept; the
 * token works once, until `expires_at`, for the account holding that (verified) address.
 */
export const vivariumInvitations = vivariumSchema.table(
  "vivarium_invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    vivariumId: uuid("vivarium_id")
      .notNull()
      .references(() => vivariums.id, { onDelete: "cascade" }),
    /** Normalised (trimmed, lower case), as identity stores account emails. */
    email: text("email").notNull(),
    role: vivariumRole("role").notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedByUserId: uuid("invited_by_user_id").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamptz("expires_at").notNull(),
    acceptedAt: timestamptz("accepted_at"),
    acceptedByUserId: uuid("accepted_by_user_id"),
    revokedAt: timestamptz("revoked_at"),
  },
  (table) => [
    uniqueIndex("vivarium_invitations_token_key").on(table.tokenHash),
    // One open invitation per address and vivarium: inviting again replaces it.
    uniqueIndex("vivarium_invitations_open_key")
      .on(table.vivariumId, table.email)
      .where(sql`${table.acceptedAt} is null and ${table.revokedAt} is null`),
    index("vivarium_invitations_email_idx").on(table.email),
  ],
);

/**
 * The accounts of identity as far as this subgraph needs them (finding a user by email, matching an invitation),
 * kept from identity's `auth.user.*` events: no subgraph reads another's tables.
 */
export const userDirectory = vivariumSchema.table(
  "user_directory",
  {
    userId: uuid("user_id").primaryKey(),
    email: text("email").notNull(),
    emailVerified: boolean("email_verified").notNull().default(false),
    isActive: boolean("is_active").notNull().default(true),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("user_directory_email_key").on(table.email)],
);

/** The permission matrix: the one source every authorization check reads. Seeded by migration. */
export const rolePermissions = vivariumSchema.table(
  "role_permissions",
  {
    role: vivariumRole("role").notNull(),
    resource: text("resource").notNull(),
    action: text("action").notNull(),
  },
  (table) => [primaryKey({ columns: [table.role, table.resource, table.action] })],
);

export const outbox = defineOutbox(vivariumSchema);

// Row-level security (the request role, its grants and the policies of the tenant tables) is SQL drizzle-kit does
// not model: migrations/vivarium/0003_row_level_security.sql.

export const tables = { vivariums, vivariumMembers, vivariumRoleAudit, vivariumInvitations, userDirectory, rolePermissions, outbox };
export type VivariumTables = typeof tables;
