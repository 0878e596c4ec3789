import { DomainError } from "@repti/kit";
import { rankOf, type PermissionMatrix, type VivariumRoleName } from "../permissions/permission-matrix.js";

/**
 * The membership rules, as plain functions of the permission matrix and the members as committed. Each throws the
 * contract's error for a refused change. The matrix says who may manage members at all; these add what compares two
 * roles: nobody grants or touches a role above their own, nobody raises their own role, and a vivarium always keeps
 * a HERPETOLOGIST.
 */
export interface Membership {
  userId: string;
  role: VivariumRoleName;
  joinedAt: Date;
}

/** Adding or inviting someone as `role`. */
export function checkGrant(matrix: PermissionMatrix, actor: Membership, role: VivariumRoleName): void {
  matrix.require(actor.role, "members", "create", "add members");
  if (rankOf(role) > rankOf(actor.role)) throw new DomainError("FORBIDDEN", `A ${actor.role} may not grant ${role}`, { role });
}

export function checkRoleChange(matrix: PermissionMatrix, members: readonly Membership[], actor: Membership, target: Membership, role: VivariumRoleName): void {
  if (target.userId === actor.userId) {
    // Stepping down is always one's own choice; stepping up never is.
    if (rankOf(role) > rankOf(target.role)) throw new DomainError("FORBIDDEN", "Nobody can raise their own role");
  } else {
    matrix.require(actor.role, "members", "update", "change roles");
    checkReach(actor, target, "change the role of");
    if (rankOf(role) > rankOf(actor.role)) throw new DomainError("FORBIDDEN", `A ${actor.role} may not grant ${role}`, { role });
  }
  keepsAHerpetologist(members, target, role);
}

/** Removing someone else; removing oneself is leaving (`checkDeparture`). */
export function checkRemoval(matrix: PermissionMatrix, members: readonly Membership[], actor: Membership, target: Membership): void {
  if (target.userId === actor.userId) return checkDeparture(members, target);
  matrix.require(actor.role, "members", "delete", "remove members");
  checkReach(actor, target, "remove");
  keepsAHerpetologist(members, target, null);
}

/** Leaving, or being taken out by the platform. */
export function checkDeparture(members: readonly Membership[], member: Membership): void {
  keepsAHerpetologist(members, member, null);
}

export function checkTransfer(matrix: PermissionMatrix, actor: Membership): void {
  matrix.require(actor.role, "vivarium", "transfer", "hand the vivarium over");
}

/**
 * Who owns the vivarium once `members` is its membership: the owner while still a HERPETOLOGIST, otherwise the
 * longest-standing HERPETOLOGIST; null when there is none.
 */
export function ownerAfter(ownerUserId: string, members: readonly Membership[]): string | null {
  const herpetologists = members.filter((member) => member.role === "HERPETOLOGIST");
  if (herpetologists.some((member) => member.userId === ownerUserId)) return ownerUserId;
  return longestStanding(herpetologists)?.userId ?? null;
}

/**
 * Who takes over when the platform takes the last HERPETOLOGIST out (their account was deleted): the
 * longest-standing member of the highest remaining role; null when nobody is left.
 */
export function successorOf<T extends Membership>(members: readonly T[]): T | null {
  const highest = Math.max(-1, ...members.map((member) => rankOf(member.role)));
  return longestStanding(members.filter((member) => rankOf(member.role) === highest));
}

function longestStanding<T extends Membership>(members: readonly T[]): T | null {
  return [...members].sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())[0] ?? null;
}

function checkReach(actor: Membership, target: Membership, what: string): void {
  if (rankOf(target.role) > rankOf(actor.role)) throw new DomainError("FORBIDDEN", `A ${actor.role} may not ${what} a ${target.role}`);
}

function keepsAHerpetologist(members: readonly Membership[], target: Membership, role: VivariumRoleName | null): void {
  if (target.role !== "HERPETOLOGIST" || role === "HERPETOLOGIST") return;
  if (members.filter((member) => member.role === "HERPETOLOGIST").length <= 1) {
    throw new DomainError("CONFLICT", "A vivarium keeps at least one HERPETOLOGIST: make another member HERPETOLOGIST first");
  }
}
