import type { PermissionStore } from "./permission.store.js";

export const vivariumRoles = ["KEEPER", "HANDLER", "CURATOR", "HERPETOLOGIST"] as const;
export type VivariumRoleName = (typeof vivariumRoles)[number];

export interface RoleDefinitionRecord {
  role: VivariumRoleName;
  /** Position in the hierarchy, 0 = KEEPER; a role includes every role of a lower rank. */
  rank: number;
  permissions: Array<{ resource: string; action: string }>;
}

/** The permission matrix as roles with their permissions, in hierarchy order. */
export class PermissionService {
  constructor(private readonly store: PermissionStore) {}

  async roleDefinitions(): Promise<RoleDefinitionRecord[]> {
    const rows = await this.store.all();
    return vivariumRoles.map((role, rank) => ({
      role,
      rank,
      permissions: rows.filter((row) => row.role === role).map(({ resource, action }) => ({ resource, action })),
    }));
  }
}
