import { createHash, randomBytes } from "node:crypto";
import type DataLoader from "dataloader";
import { DomainError, isUuid, loaderOfGroups, normalizeEmail, type AuthContext, type Outbox } from "@repti/kit";
import type { Tenancy } from "../db/tenancy.js";
import type { DirectoryStore } from "../directory/directory.store.js";
import type { MemberService } from "../members/member.service.js";
import { checkGrant } from "../members/member.rules.js";
import type { MemberRecord, MemberStore } from "../members/member.store.js";
import { rankOf, type VivariumRoleName } from "../permissions/permission-matrix.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { actingUserOf } from "../vivariums/callers.js";
import type { VivariumChanges } from "../vivariums/vivarium-changes.js";
import { vivariumEvents } from "../vivariums/vivarium.events.js";
import type { VivariumStore, SeenVivarium } from "../vivariums/vivarium.store.js";
import type { InvitationRecord, InvitationStore } from "./invitation.store.js";

export type InvitationsLoader = DataLoader<string, InvitationRecord[]>;

/** Enough for a club's spring intake; a cap keeps one vivarium from turning our mailer against a list of addresses. */
const maxOpenInvitations = 100;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
const invalidInvitation = () => new DomainError("BAD_USER_INPUT", "This invitation is invalid, already used or expired", { field: "token" });
const invitationNotFound = () => new DomainError("NOT_FOUND", "Invitation not found");

/**
 * Invitations by email, for people with or without an account. The token is random, mailed once (identity sends the
 * mail on `org.member.invited`) and kept only as its SHA-256; it works once, until it expires, and only for the
 * account that holds the invited address, verified. Accepting also needs the inviter to still be able to grant the
 * role: an invitation is the inviter's act, and dies with their right to do it.
 */
export class InvitationService {
  constructor(
    private readonly deps: {
      tenancy: Tenancy;
      store: InvitationStore;
      members: MemberService;
      memberStore: MemberStore;
      vivariums: VivariumStore;
      directory: DirectoryStore;
      changes: VivariumChanges;
      permissions: PermissionService;
      outbox: Outbox;
      ttlHours: number;
    },
  ) {}

  createLoader(viewerId: string | null): InvitationsLoader {
    return loaderOfGroups(
      (vivariumIds: readonly string[]) => this.deps.tenancy.actingAs(viewerId, (tx) => this.deps.store.findOpenByVivariumIds(tx, vivariumIds, new Date())),
      (invitation: InvitationRecord) => [invitation.vivariumId, invitation],
    );
  }

  /** Open invitations, for those who may invite. */
  async open(seen: SeenVivarium, loader: InvitationsLoader): Promise<InvitationRecord[]> {
    (await this.deps.permissions.matrix()).require(seen.viewerRole, "members", "create", "see the invitations");
    return loader.load(seen.id);
  }

  /** Invites an address as `role`, replacing an unanswered invitation to it. */
  async invite(auth: AuthContext, vivariumId: string, rawEmail: string, role: VivariumRoleName, now = new Date()): Promise<InvitationRecord> {
    const email = normalizeEmail(rawEmail);
    return this.deps.changes.run(auth, vivariumId, async ({ tx, vivarium, members, actor, matrix }) => {
      checkGrant(matrix, actor, role);
      const account = await this.deps.directory.findByEmail(tx, email);
      if (account && members.some((member) => member.userId === account.userId)) throw new DomainError("CONFLICT", "Already a member", { field: "email" });
      await this.deps.store.revokeUnanswered(tx, vivariumId, email, now);
      if ((await this.deps.store.countOpen(tx, vivariumId, now)) >= maxOpenInvitations) {
        throw new DomainError("CONFLICT", `A vivarium has at most ${maxOpenInvitations} open invitations; revoke some first`);
      }
      const token = randomBytes(32).toString("base64url");
      const invitation = await this.deps.store.insert(tx, {
        vivariumId,
        email,
        role,
        tokenHash: hashToken(token),
        invitedByUserId: actor.userId,
        expiresAt: new Date(now.getTime() + this.deps.ttlHours * 3600_000),
      });
      await this.deps.outbox.enqueue(tx, {
        type: vivariumEvents.memberInvited,
        aggregateId: vivariumId,
        payload: {
          invitationId: invitation.id,
          vivariumId,
          vivariumName: vivarium.name,
          email,
          role,
          invitedByUserId: actor.userId,
          expiresAt: invitation.expiresAt.toISOString(),
          // For identity's mailer only: the event log drops it.
          confidential: { token },
        },
      });
      return invitation;
    });
  }

  async revoke(auth: AuthContext, invitationId: string, now = new Date()): Promise<boolean> {
    const userId = actingUserOf(auth);
    if (!isUuid(invitationId)) throw invitationNotFound();
    const found = await this.deps.tenancy.actingAs(userId, (tx) => this.deps.store.find(tx, invitationId));
    if (!found) throw invitationNotFound();
    return this.deps.changes.run(auth, found.vivariumId, async ({ tx, actor, matrix }) => {
      const invitation = await this.deps.store.lockOpen(tx, invitationId, now);
      if (!invitation) throw invitationNotFound();
      checkGrant(matrix, actor, invitation.role);
      await this.deps.store.markRevoked(tx, invitation.id, now);
      return true;
    });
  }

  async accept(auth: AuthContext, token: string, now = new Date()): Promise<MemberRecord> {
    const userId = actingUserOf(auth);
    if (token.length > 128) throw invalidInvitation();
    const matrix = await this.deps.permissions.matrix();
    return this.deps.tenancy.actingAs(userId, async (tx) => {
      // Row-level security shows an invitation to the account holding its address (and to the vivarium's members).
      const found = await this.deps.store.findByTokenHash(tx, hashToken(token));
      const account = await this.deps.directory.find(tx, userId);
      if (!found || !account || account.email !== found.email) throw invalidInvitation();
      if (found.acceptedAt || found.revokedAt || found.expiresAt <= now) throw invalidInvitation();
      if (!account.emailVerified) throw new DomainError("FORBIDDEN", "Verify your email address first, then accept the invitation again");
      if (await this.deps.memberStore.find(tx, found.vivariumId, userId)) throw new DomainError("CONFLICT", "Already a member");
      // Joining first makes the vivarium visible to the new member; the checks below undo it by throwing.
      const member = await this.deps.members.join(tx, {
        vivariumId: found.vivariumId,
        userId,
        role: found.role,
        invitedByUserId: found.invitedByUserId,
        reason: "invitation accepted",
      });
      // Same lock order as every other change (vivarium, then invitation), so a concurrent revoke waits or wins.
      const vivarium = await this.deps.vivariums.lock(tx, found.vivariumId);
      const invitation = vivarium ? await this.deps.store.lockOpen(tx, found.id, now) : undefined;
      const inviter = (await this.deps.memberStore.findByVivariumIds(tx, [found.vivariumId])).find((candidate) => candidate.userId === found.invitedByUserId);
      const inviterMayGrant = inviter && matrix.allows(inviter.role, "members", "create") && rankOf(found.role) <= rankOf(inviter.role);
      if (!invitation || !inviterMayGrant) throw invalidInvitation();
      await this.deps.store.markAccepted(tx, invitation.id, userId, now);
      return member;
    });
  }
}
