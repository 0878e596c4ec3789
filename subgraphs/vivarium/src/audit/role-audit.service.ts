import type DataLoader from "dataloader";
import { DomainError, loaderOfGroups, type Outbox } from "@repti/kit";
import type { Tenancy, Tx } from "../db/tenancy.js";
import type { VivariumRoleName } from "../permissions/permission-matrix.js";
import type { PermissionService } from "../permissions/permission.service.js";
import type { SeenVivarium } from "../vivariums/vivarium.store.js";
import type { RoleAuditRecord, RoleAuditStore } from "./role-audit.store.js";

/** A role given, changed or taken: a null old role is a member joining, a null new role one departing. */
export interface RoleChange {
  vivariumId: string;
  /** Null when the platform made the change (an account deleted or deactivated in identity). */
  actorUserId: string | null;
  subjectUserId: string;
  oldRole: VivariumRoleName | null;
  newRole: VivariumRoleName | null;
  reason: string | null;
}

export const memberEvents = {
  added: "org.member.added",
  removed: "org.member.removed",
  roleChanged: "org.member.role.changed",
} as const;

/** Role histories of one request, batched per page size (`first`). */
export type RoleAuditLoaders = (first: number) => DataLoader<string, RoleAuditRecord[]>;

export const defaultAuditPage = 50;
export const maxAuditPage = 200;

/** The role history of each vivarium: written with every role change, read by those who manage members. */
export class RoleAuditService {
  constructor(
    private readonly deps: { store: RoleAuditStore; outbox: Outbox; tenancy: Tenancy; permissions: PermissionService },
  ) {}

  /** Writes the audit row and announces the change, in the transaction that makes it: all three commit together. */
  async record(tx: Tx, change: RoleChange): Promise<void> {
    const { vivariumId, actorUserId, subjectUserId, oldRole, newRole, reason } = change;
    await this.deps.store.insert(tx, { vivariumId, actorUserId, subjectUserId, oldRole, newRole, reason });
    const type = oldRole === null ? memberEvents.added : newRole === null ? memberEvents.removed : memberEvents.roleChanged;
    await this.deps.outbox.enqueue(tx, {
      type,
      aggregateId: vivariumId,
      payload: { vivariumId, userId: subjectUserId, oldRole, newRole, changedByUserId: actorUserId, reason },
    });
  }

  createLoaders(viewerId: string | null): RoleAuditLoaders {
    const byPage = new Map<number, DataLoader<string, RoleAuditRecord[]>>();
    return (first) => {
      let loader = byPage.get(first);
      if (!loader) {
        loader = loaderOfGroups(
          (vivariumIds: readonly string[]) => this.deps.tenancy.actingAs(viewerId, (tx) => this.deps.store.latestByVivariumIds(tx, vivariumIds, first)),
          (change: RoleAuditRecord) => [change.vivariumId, change],
        );
        byPage.set(first, loader);
      }
      return loader;
    };
  }

  /** The newest changes first; CURATOR and up (those who may change roles) may read them. */
  async history(seen: SeenVivarium, first: number | null, loaders: RoleAuditLoaders): Promise<RoleAuditRecord[]> {
    (await this.deps.permissions.matrix()).require(seen.viewerRole, "members", "update", "read the role history");
    const size = first ?? defaultAuditPage;
    if (!Number.isInteger(size) || size < 1 || size > maxAuditPage) {
      throw new DomainError("BAD_USER_INPUT", `first must be between 1 and ${maxAuditPage}`, { field: "first" });
    }
    return loaders(size).load(seen.id);
  }
}
