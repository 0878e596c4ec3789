import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { User } from "../users/user.types.js";
import { VivariumRole } from "../vivariums/vivarium.types.js";
import { VivariumMember } from "./member.types.js";

@Resolver(() => VivariumMember)
export class MemberResolver {
  @Mutation(() => VivariumMember, { description: "Adds someone who has an account, by email, with a role up to your own (CURATOR and up)" })
  async addVivariumMember(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("email", () => String) email: string,
    @Arg("role", () => VivariumRole) role: VivariumRole,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<VivariumMember> {
    return VivariumMember.from(await services.members.add(auth, vivariumId, email, role));
  }

  @Mutation(() => VivariumMember, { description: "Changes a member's role (audited with the reason); nobody raises their own" })
  async updateMemberRole(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("userId", () => ID) userId: string,
    @Arg("role", () => VivariumRole) role: VivariumRole,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<VivariumMember> {
    return VivariumMember.from(await services.members.updateRole(auth, vivariumId, userId, role, reason));
  }

  @Mutation(() => Boolean, { description: "Removes a member whose role is not above yours; the last HERPETOLOGIST stays" })
  async removeVivariumMember(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("userId", () => ID) userId: string,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<boolean> {
    return services.members.remove(auth, vivariumId, userId);
  }

  @Mutation(() => Boolean, { description: "Leaves a vivarium; the last HERPETOLOGIST must hand over first" })
  async leaveVivarium(@Arg("vivariumId", () => ID) vivariumId: string, @Ctx() { auth, services }: VivariumContext): Promise<boolean> {
    return services.members.leave(auth, vivariumId);
  }

  @FieldResolver(() => User)
  user(@Root() member: VivariumMember): User {
    return User.ref(member.userId);
  }

  @FieldResolver(() => User, { nullable: true, description: "Who added or invited them; null for the creator" })
  invitedBy(@Root() member: VivariumMember): User | null {
    return member.invitedByUserId ? User.ref(member.invitedByUserId) : null;
  }
}
