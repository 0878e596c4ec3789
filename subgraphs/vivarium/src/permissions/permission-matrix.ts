import { DomainError } from "@repti/kit";

/** Vivarium roles in hierarchy order; each includes everything of the ones before it. */
export const vivariumRoles = ["KEEPER", "HANDLER", "CURATOR", "HERPETOLOGIST"] as const;
export type VivariumRoleName = (typeof vivariumRoles)[number];

/** Position in the hierarchy, 0 = KEEPER. */
export function rankOf(role: VivariumRoleName): number {
  return vivariumRoles.indexOf(role);
}

export interface PermissionCell {
  role: VivariumRoleName;
  resource: string;
  action: string;
}

export interface RoleDefinitionRecord {
  role: VivariumRoleName;
  rank: number;
  permissions: Array<{ resource: string; action: string }>;
}

/** The permission matrix (`vivarium.role_permissions`) as loaded: what each role may do, nothing inferred. */
export class PermissionMatrix {
  private readonly cells: Set<string>;
  private readonly resources: Set<string>;
  private readonly actions: Set<string>;

  constructor(private readonly rows: readonly PermissionCell[]) {
    this.cells = new Set(rows.map((row) => key(row.role, row.resource, row.action)));
    this.resources = new Set(rows.map((row) => row.resource));
    this.actions = new Set(rows.map((row) => row.action));
  }

  /** Whether a member of `role` may; no role (not a member) may nothing. */
  allows(role: VivariumRoleName | null, resource: string, action: string): boolean {
    return role !== null && this.cells.has(key(role, resource, action));
  }

  /** FORBIDDEN unless `role` may; `what` completes "Your role may not ...". */
  require(role: VivariumRoleName | null, resource: string, action: string, what: string): void {
    if (!this.allows(role, resource, action)) {
      throw new DomainError("FORBIDDEN", `${role ? `A ${role}` : "A non-member"} may not ${what}`, { resource, action });
    }
  }

  /** Whether the matrix speaks of this resource and this action at all (to tell a typo from a refusal). */
  knows(resource: string, action: string): boolean {
    return this.resources.has(resource) && this.actions.has(action);
  }

  definitions(): RoleDefinitionRecord[] {
    return vivariumRoles.map((role, rank) => ({
      role,
      rank,
      permissions: this.rows.filter((row) => row.role === role).map(({ resource, action }) => ({ resource, action })),
    }));
  }
}

function key(role: string, resource: string, action: string): string {
  return `${role}\u0000${resource}\u0000${action}`;
}
