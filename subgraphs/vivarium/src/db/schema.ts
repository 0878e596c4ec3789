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
    deletedAt: timestamptz("deleted_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("vivariums_slug_key").on(table.slug)],
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

/** Every role change: who changed whose role, from what to what, and why. Rows are never updated. */
export const vivariumRoleAudit = vivariumSchema.table(
  "vivarium_role_audit",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    vivariumId: uuid("vivarium_id")
      .notNull()
      .references(() => vivariums.id, { onDelete: "cascade" }),
    actorUserId: uuid("actor_user_id").notNull(),
    subjectUserId: uuid("subject_user_id").notNull(),
    oldRole: vivariumRole("old_role"),
    newRole: vivariumRole("new_role"),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (table) => [index("vivarium_role_audit_vivarium_idx").on(table.vivariumId, table.createdAt)],
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

export const tables = { vivariums, vivariumMembers, vivariumRoleAudit, rolePermissions, outbox };
export type VivariumTables = typeof tables;
