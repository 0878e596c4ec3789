import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import { VivariumRole } from "../vivariums/vivarium.types.js";
import type { RoleAuditRecord } from "./role-audit.store.js";

@ObjectType({ description: "One role change: who changed whose role, from what to what, why and when" })
export class RoleChange {
  @Field(() => ID) id!: string;
  @Field(() => VivariumRole, { nullable: true, description: "Null when the member joined" }) oldRole!: VivariumRole | null;
  @Field(() => VivariumRole, { nullable: true, description: "Null when the member left or was removed" }) newRole!: VivariumRole | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  actorUserId!: string | null;
  subjectUserId!: string;

  static from(record: RoleAuditRecord): RoleChange {
    return Object.assign(new RoleChange(), {
      id: record.id,
      oldRole: record.oldRole as VivariumRole | null,
      newRole: record.newRole as VivariumRole | null,
      reason: record.reason,
      createdAt: record.createdAt,
      actorUserId: record.actorUserId,
      subjectUserId: record.subjectUserId,
    });
  }
}
