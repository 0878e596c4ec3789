import { randomUUID } from "node:crypto";
import type DataLoader from "dataloader";
import { DomainError, isUuid, loaderOfGroups, normalizeEmail, type AuthContext, type Outbox } from "@repti/kit";
import type { RoleAuditService } from "../audit/role-audit.service.js";
import type { Tenancy, Tx } from "../db/tenancy.js";
import type { DirectoryStore } from "../directory/directory.store.js";
import type { VivariumRoleName } from "../permissions/permission-matrix.js";
import type { PermissionService } from "../permissions/permission.service.js";
import type { VivariumChanges } from "../vivariums/vivarium-changes.js";
import { vivariumEvents } from "../vivariums/vivarium.events.js";
import type { VivariumRecord, VivariumStore, SeenVivarium } from "../vivariums/vivarium.store.js";
import { checkDeparture, checkGrant, checkRemoval, checkRoleChange, ownerAfter, successorOf } from "./member.rules.js";
import type { MemberRecord, MemberStore } from "./member.store.js";

export type MembersLoader = DataLoader<string, MemberRecord[]>;

const maxReasonLength = 500;

function checkReason(raw: string | null | undefined): string | null {
  const reason = raw?.trim() ?? "";
  if (reason.length > maxReasonLength) throw new DomainError("BAD_USER_INPUT", `reason is longer than ${maxReasonLength} characters`, { field: "reason" });
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(reason)) throw new DomainError("BAD_USER_INPUT", "reason contains control characters", { field: "reason" });
  return reason === "" ? null : reason;
}

const memberNotFound = () => new DomainError("NOT_FOUND", "Member not found");

/** Who belongs to a vivarium with which role, and every change to that; the rules are in member.rules.ts. */
export class MemberService {
  constructor(
    private readonly deps: {
      tenancy: Tenancy;
      store: MemberStore;
      vivariums: VivariumStore;
      directory: DirectoryStore;
      audit: RoleAuditService;
      changes: VivariumChanges;
      permissions: PermissionService;
      outbox: Outbox;
    },
  ) {}

  /** All members of every vivarium a request touches, in one statement, as the viewer sees them. */
  createLoader(viewerId: string | null): MembersLoader {
    return loaderOfGroups(
      (vivariumIds: readonly string[]) => this.deps.tenancy.actingAs(viewerId, (tx) => this.deps.store.findByVivariumIds(tx, vivariumIds)),
      (member: MemberRecord) => [member.vivariumId, member],
    );
  }

  async members(seen: SeenVivarium, loader: MembersLoader): Promise<MemberRecord[]> {
    (await this.deps.permissions.matrix()).require(seen.viewerRole, "members", "read", "see the members");
    return loader.load(seen.id);
  }

  /** Adds someone who has an account, found by email. */
  async add(auth: AuthContext, vivariumId: string, rawEmail: string, role: VivariumRoleName): Promise<MemberRecord> {
    const email = normalizeEmail(rawEmail);
    return this.deps.changes.run(auth, vivariumId, async ({ tx, members, actor, matrix }) => {
      checkGrant(matrix, actor, role);
      const account = await this.deps.directory.findByEmail(tx, email);
      if (!account?.isActive) throw new DomainError("NOT_FOUND", "No account uses this email address; invite them instead", { field: "email" });
      if (members.some((member) => member.userId === account.userId)) throw new DomainError("CONFLICT", "Already a member", { field: "email" });
      return this.join(tx, { vivariumId, userId: account.userId, role, invitedByUserId: actor.userId, reason: null });
    });
  }

  /**
   * Puts a user in, with the audit row and event. The caller holds the vivarium's lock, created the vivarium, or joins
   * through an invitation (row-level security admits nothing else). `invitedByUserId` also stands as who made the change.
   */
  async join(tx: Tx, entry: { vivariumId: string; userId: string; role: VivariumRoleName; invitedByUserId: string | null; reason: string | null }): Promise<MemberRecord> {
    const { vivariumId, userId, role, invitedByUserId, reason } = entry;
    const inserted = await this.deps.store.insert(tx, { id: randomUUID(), vivariumId, userId, role, invitedByUserId });
    if (!inserted) throw new DomainError("CONFLICT", "Already a member");
    await this.deps.audit.record(tx, { vivariumId, actorUserId: invitedByUserId ?? userId, subjectUserId: userId, oldRole: null, newRole: role, reason });
    return (await this.deps.store.find(tx, vivariumId, userId))!;
  }

  async updateRole(auth: AuthContext, vivariumId: string, userId: string, role: VivariumRoleName, rawReason: string | null | undefined): Promise<MemberRecord> {
    const reason = checkReason(rawReason);
    return this.deps.changes.run(auth, vivariumId, async ({ tx, vivarium, members, actor, matrix }) => {
      const target = members.find((member) => member.userId === userId);
      if (!target) {
        matrix.require(actor.role, "members", "update", "change roles");
        throw memberNotFound();
      }
      checkRoleChange(matrix, members, actor, target, role);
      if (target.role === role) return target;
      const updated = await this.deps.store.updateRole(tx, target.id, role);
      await this.deps.audit.record(tx, { vivariumId, actorUserId: actor.userId, subjectUserId: userId, oldRole: target.role, newRole: role, reason });
      await this.settleOwner(tx, vivarium, members.map((member) => (member.id === updated.id ? updated : member)), actor.userId);
      return updated;
    });
  }

  async remove(auth: AuthContext, vivariumId: string, userId: string): Promise<boolean> {
    return this.deps.changes.run(auth, vivariumId, async ({ tx, vivarium, members, actor, matrix }) => {
      const target = members.find((member) => member.userId === userId);
      if (!target) {
        matrix.require(actor.role, "members", "delete", "remove members");
        throw memberNotFound();
      }
      checkRemoval(matrix, members, actor, target);
      await this.depart(tx, vivarium, members, target, { actorUserId: actor.userId, reason: null });
      return true;
    });
  }

  async leave(auth: AuthContext, vivariumId: string): Promise<boolean> {
    return this.deps.changes.run(auth, vivariumId, async ({ tx, vivarium, members, actor }) => {
      checkDeparture(members, actor);
      await this.depart(tx, vivarium, members, actor, { actorUserId: actor.userId, reason: null });
      return true;
    });
  }

  /**
   * Whether the caller may do `action` on `resource` in the vivarium, from the permission matrix. A signed-in user
   * asks for themself; an API key for its owner, and only in its own vivarium when it is bound to one. Not being a
   * member, like a vivarium that does not exist, is a plain false.
   */
  async can(auth: AuthContext, vivariumId: string, resource: string, action: string): Promise<boolean> {
    if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in, or call with an API key");
    const matrix = await this.deps.permissions.matrix();
    if (!matrix.knows(resource, action)) throw new DomainError("BAD_USER_INPUT", `The permission matrix has no ${resource}.${action}`, { resource, action });
    if (!isUuid(vivariumId)) return false;
    if (auth.kind === "service" && auth.vivariumId !== undefined && auth.vivariumId !== vivariumId) return false;
    const subject = auth.kind === "user" ? auth.userId : auth.ownerId;
    const member = await this.deps.tenancy.actingAs(subject, (tx) => this.deps.store.find(tx, vivariumId, subject));
    return matrix.allows(member?.role ?? null, resource, action);
  }

  /**
   * Takes a user out of every vivarium, for the platform: their account was deleted or deactivated in identity. Where
   * they were the last HERPETOLOGIST, the longest-standing member of the highest remaining role becomes one; a
   * vivarium left without members is deleted. Idempotent, since events may arrive twice.
   */
  async departAccount(userId: string, reason: string): Promise<void> {
    const memberships = await this.deps.tenancy.asPlatform((tx) => this.deps.store.findByUser(tx, userId));
    for (const { vivariumId } of memberships) {
      await this.deps.tenancy.asPlatform(async (tx) => {
        const vivarium = await this.deps.vivariums.lock(tx, vivariumId);
        const members = vivarium ? await this.deps.store.findByVivariumIds(tx, [vivariumId]) : [];
        const member = members.find((candidate) => candidate.userId === userId);
        if (!vivarium || !member) return;
        const others = members.filter((candidate) => candidate.id !== member.id);
        const successor = others.length > 0 && !others.some((candidate) => candidate.role === "HERPETOLOGIST") ? successorOf(others) : null;
        let current = members;
        if (successor) {
          const promoted = await this.deps.store.updateRole(tx, successor.id, "HERPETOLOGIST");
          await this.deps.audit.record(tx, {
            vivariumId,
            actorUserId: null,
            subjectUserId: promoted.userId,
            oldRole: successor.role,
            newRole: "HERPETOLOGIST",
            reason: "succession: the last HERPETOLOGIST left the platform",
          });
          current = members.map((candidate) => (candidate.id === promoted.id ? promoted : candidate));
        }
        await this.depart(tx, vivarium, current, member, { actorUserId: null, reason });
        if (others.length === 0) {
          await this.deps.vivariums.softDelete(tx, vivariumId, new Date());
          await this.deps.outbox.enqueue(tx, { type: vivariumEvents.deleted, aggregateId: vivariumId, payload: { vivariumId, deletedByUserId: null, reason: "no members left" } });
        }
      });
    }
  }

  /**
   * Deletes a membership with its audit row and event, and hands ownership on if the owner went. The deletion comes
   * last: someone leaving writes as a member, and row-level security lets only members write.
   */
  private async depart(tx: Tx, vivarium: VivariumRecord, members: readonly MemberRecord[], member: MemberRecord, by: { actorUserId: string | null; reason: string | null }): Promise<void> {
    await this.deps.audit.record(tx, { vivariumId: vivarium.id, actorUserId: by.actorUserId, subjectUserId: member.userId, oldRole: member.role, newRole: null, reason: by.reason });
    await this.settleOwner(tx, vivarium, members.filter((candidate) => candidate.id !== member.id), by.actorUserId);
    await this.deps.store.delete(tx, member.id);
  }

  /** The owner is always a HERPETOLOGIST member: when the owner stops being one, the longest-standing one takes over. */
  private async settleOwner(tx: Tx, vivarium: VivariumRecord, members: readonly MemberRecord[], actorUserId: string | null): Promise<void> {
    const owner = ownerAfter(vivarium.ownerUserId, members);
    if (!owner || owner === vivarium.ownerUserId) return;
    await this.deps.vivariums.update(tx, vivarium.id, { ownerUserId: owner });
    await this.deps.outbox.enqueue(tx, {
      type: vivariumEvents.updated,
      aggregateId: vivarium.id,
      payload: { vivariumId: vivarium.id, changed: ["owner"], ownerUserId: owner, previousOwnerUserId: vivarium.ownerUserId, changedByUserId: actorUserId },
    });
  }
}
