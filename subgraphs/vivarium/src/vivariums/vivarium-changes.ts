import { isUuid, type AuthContext } from "@repti/kit";
import type { Tenancy, Tx } from "../db/tenancy.js";
import type { MemberRecord, MemberStore } from "../members/member.store.js";
import type { PermissionMatrix } from "../permissions/permission-matrix.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { actingUserOf, vivariumNotFound } from "./callers.js";
import type { VivariumRecord, VivariumStore } from "./vivarium.store.js";

/** What a change to one vivarium works with, read after its row was locked. */
export interface ChangeScope {
  tx: Tx;
  vivarium: VivariumRecord;
  /** Longest-standing first. */
  members: MemberRecord[];
  actor: MemberRecord;
  matrix: PermissionMatrix;
}

/**
 * The one way to change a vivarium or its members: as the acting user (row-level security applies), with the
 * vivarium's row locked for the transaction, so concurrent changes to one vivarium run one after the other and each
 * sees the members the previous one committed. A vivarium the caller does not belong to is NOT_FOUND.
 */
export class VivariumChanges {
  constructor(
    private readonly deps: { tenancy: Tenancy; vivariums: VivariumStore; members: MemberStore; permissions: PermissionService },
  ) {}

  async run<T>(auth: AuthContext, vivariumId: string, work: (scope: ChangeScope) => Promise<T>): Promise<T> {
    const userId = actingUserOf(auth);
    if (!isUuid(vivariumId)) throw vivariumNotFound();
    const matrix = await this.deps.permissions.matrix();
    return this.deps.tenancy.actingAs(userId, async (tx) => {
      const vivarium = await this.deps.vivariums.lock(tx, vivariumId);
      const members = vivarium ? await this.deps.members.findByVivariumIds(tx, [vivariumId]) : [];
      const actor = members.find((member) => member.userId === userId);
      if (!vivarium || !actor || !matrix.allows(actor.role, "vivarium", "read")) throw vivariumNotFound();
      return work({ tx, vivarium, members, actor, matrix });
    });
  }
}
