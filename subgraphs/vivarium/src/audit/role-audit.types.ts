import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import { VivariumRole } from "../vivariums/vivarium.types.js";
import type { RoleAuditRecord } from "./role-audit.store.js";

export enum MembershipChangeAction {
  ADDED = "ADDED",
  ROLE_CHANGED = "ROLE_CHANGED",
  REMOVED = "REMOVED",
}
registerEnumType(MembershipChangeAction, { name: "MembershipChangeAction", description: "What a role change did to a membership" });

@ObjectType({ description: "One role change: who changed whose role, from what to what, why and when" })
export class RoleChange {
  @Field(() => ID) id!: string;
  @Field(() => ID) vivariumId!: string;
  @Field(() => MembershipChangeAction, { description: "ADDED when the old role is null, REMOVED when the new one is" }) action!: MembershipChangeAction;
  @Field(() => VivariumRole, { nullable: true, description: "Null when the member joined" }) oldRole!: VivariumRole | null;
  @Field(() => VivariumRole, { nullable: true, description: "Null when the member left or was removed" }) newRole!: VivariumRole | null;
  @Field(() => String, { nullable: true, description: "Null too for members below CURATOR (it is in the history they may not read)" })
  reason!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  actorUserId!: string | null;
  subjectUserId!: string;

  static from(record: RoleAuditRecord): RoleChange {
    return Object.assign(new RoleChange(), {
      id: record.id,
      vivariumId: record.vivariumId,
      action:
        record.oldRole === null ? MembershipChangeAction.ADDED : record.newRole === null ? MembershipChangeAction.REMOVED : MembershipChangeAction.ROLE_CHANGED,
      oldRole: record.oldRole as VivariumRole | null,
      newRole: record.newRole as VivariumRole | null,
      reason: record.reason,
      createdAt: record.createdAt,
      actorUserId: record.actorUserId,
      subjectUserId: record.subjectUserId,
    });
  }
}
