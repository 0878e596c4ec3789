import { asc } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { rolePermissions, type VivariumTables } from "../db/schema.js";
import type { PermissionCell } from "./permission-matrix.js";

/** A change to `role_permissions` is announced here by the table's trigger (migration 0003). */
const changedChannel = "repti_vivarium_role_permissions";

/**
 * Reads the permission matrix (`vivarium.role_permissions`). It is platform data, the same for every tenant, so it
 * is read as the owner, once per process and again after each change.
 */
export class PermissionStore {
  constructor(private readonly db: Database<VivariumTables>) {}

  async all(): Promise<PermissionCell[]> {
    return this.db
      .select()
      .from(rolePermissions)
      .orderBy(asc(rolePermissions.role), asc(rolePermissions.resource), asc(rolePermissions.action));
  }

  /**
   * Calls `onChange` after each committed change, and each time listening (re)starts: a change made while the
   * connection was down is not announced again. Resolves to the unsubscribe function.
   */
  async onChange(onChange: () => void): Promise<() => Promise<void>> {
    const listener = await this.db.$client.listen(changedChannel, onChange, onChange);
    return () => listener.unlisten();
  }
}
