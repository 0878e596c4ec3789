import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import { VivariumRole } from "../vivariums/vivarium.types.js";
import type { InvitationRecord } from "./invitation.store.js";

@ObjectType({ description: "An open invitation to join a vivarium, mailed to an address" })
export class VivariumInvitation {
  @Field(() => ID) id!: string;
  @Field(() => String) email!: string;
  @Field(() => VivariumRole) role!: VivariumRole;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { description: "After this the link no longer works" }) expiresAt!: Date;
  vivariumId!: string;
  invitedByUserId!: string;

  static from(record: InvitationRecord): VivariumInvitation {
    return Object.assign(new VivariumInvitation(), {
      id: record.id,
      email: record.email,
      role: record.role as VivariumRole,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      vivariumId: record.vivariumId,
      invitedByUserId: record.invitedByUserId,
    });
  }
}
