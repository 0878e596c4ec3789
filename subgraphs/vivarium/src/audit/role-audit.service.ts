import { randomUUID } from "node:crypto";
import type DataLoader from "dataloader";
import { DomainError, isUuid, loaderOfGroups, type AuthContext, type Outbox } from "@repti/kit";
import type { Tenancy, Tx } from "../db/tenancy.js";
import type { VivariumRoleName } from "../permissions/permission-matrix.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { vivariumNotFound, viewerOf } from "../vivariums/callers.js";
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

/** Who may read the role history (with its reasons): those who may change roles, CURATOR and up as seeded. */
const readsHistory = ["members", "update"] as const;

/** Role histories of one request, batched per page size (`first`). */
export type RoleAuditLoaders = (first: number) => DataLoader<string, RoleAuditRecord[]>;

export const defaultAuditPage = 50;
export const maxAuditPage = 200;

/** The role history of each vivarium: written with every role change, read by those who manage members. */
export class RoleAuditService {
  constructor(
    private readonly deps: { store: RoleAuditStore; outbox: Outbox; tenancy: Tenancy; permissions: PermissionService },
  ) {}

  /**
   * Writes the audit row and announces the change, in the transaction that makes it: all three commit together.
   * The event names the row (`changeId`), which `vivariumMembershipChanged` resolves for each subscriber.
   */
  async record(tx: Tx, change: RoleChange): Promise<void> {
    const { vivariumId, actorUserId, subjectUserId, oldRole, newRole, reason } = change;
    const changeId = randomUUID();
    await this.deps.store.insert(tx, { id: changeId, vivariumId, actorUserId, subjectUserId, oldRole, newRole, reason });
    const type = oldRole === null ? memberEvents.added : newRole === null ? memberEvents.removed : memberEvents.roleChanged;
    await this.deps.outbox.enqueue(tx, {
      type,
      aggregateId: vivariumId,
      payload: { changeId, vivariumId, userId: subjectUserId, oldRole, newRole, changedByUserId: actorUserId, reason },
    });
  }

  /**
   * One change of a vivarium, by the id its event carried, for a member whose role may read the members (anyone
   * else: NOT_FOUND, as for the vivarium itself). The reason is shown to those who may read the history.
   */
  async change(auth: AuthContext, seen: SeenVivarium | null, id: string): Promise<RoleAuditRecord | null> {
    if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in first");
    const viewerId = viewerOf(auth);
    if (!seen || !viewerId) throw vivariumNotFound();
    const matrix = await this.deps.permissions.matrix();
    matrix.require(seen.viewerRole, "members", "read", "see the members");
    if (!isUuid(id)) return null;
    const record = await this.deps.tenancy.actingAs(viewerId, (tx) => this.deps.store.byId(tx, seen.id, id));
    if (!record) return null;
    return matrix.allows(seen.viewerRole, ...readsHistory) ? record : { ...record, reason: null };
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
    (await this.deps.permissions.matrix()).require(seen.viewerRole, ...readsHistory, "read the role history");
    const size = first ?? defaultAuditPage;
    if (!Number.isInteger(size) || size < 1 || size > maxAuditPage) {
      throw new DomainError("BAD_USER_INPUT", `first must be between 1 and ${maxAuditPage}`, { field: "first" });
    }
    return loaders(size).load(seen.id);
  }
}
