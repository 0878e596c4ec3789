import { asc } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { rolePermissions, type VivariumTables } from "../db/schema.js";

export type PermissionRecord = typeof rolePermissions.$inferSelect;

/** Reads the permission matrix (`vivarium.role_permissions`). */
export class PermissionStore {
  constructor(private readonly db: Database<VivariumTables>) {}

  async all(): Promise<PermissionRecord[]> {
    return this.db
      .select()
      .from(rolePermissions)
      .orderBy(asc(rolePermissions.role), asc(rolePermissions.resource), asc(rolePermissions.action));
  }
}
