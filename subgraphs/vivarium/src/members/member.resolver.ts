import { FieldResolver, Resolver, Root } from "type-graphql";
import { User } from "../users/user.types.js";
import { VivariumMember } from "./member.types.js";

@Resolver(() => VivariumMember)
export class MemberResolver {
  @FieldResolver(() => User)
  user(@Root() member: VivariumMember): User {
    return User.ref(member.userId);
  }

  @FieldResolver(() => User, { nullable: true })
  invitedBy(@Root() member: VivariumMember): User | null {
    return member.invitedByUserId ? User.ref(member.invitedByUserId) : null;
  }
}
