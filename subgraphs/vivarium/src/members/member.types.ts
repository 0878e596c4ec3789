import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import { VivariumRole } from "../vivariums/vivarium.types.js";
import type { MemberRecord } from "./member.store.js";

@ObjectType({ description: "A user's membership in a vivarium" })
export class VivariumMember {
  @Field(() => ID) id!: string;
  @Field(() => VivariumRole) role!: VivariumRole;
  @Field(() => DateTimeScalar) joinedAt!: Date;
  userId!: string;
  invitedByUserId!: string | null;

  static from(record: MemberRecord): VivariumMember {
    return Object.assign(new VivariumMember(), {
      id: record.id,
      role: record.role as VivariumRole,
      joinedAt: record.joinedAt,
      userId: record.userId,
      invitedByUserId: record.invitedByUserId,
    });
  }
}
