import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { VivariumMember } from "../members/member.types.js";
import { User } from "../users/user.types.js";
import { Vivarium, VivariumRole } from "../vivariums/vivarium.types.js";
import { VivariumInvitation } from "./invitation.types.js";

@Resolver(() => VivariumInvitation)
export class InvitationResolver {
  @Mutation(() => VivariumInvitation, {
    description: "Mails an invitation (with or without an account) for a role up to your own; replaces an unanswered one",
  })
  async inviteVivariumMember(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("email", () => String) email: string,
    @Arg("role", () => VivariumRole) role: VivariumRole,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<VivariumInvitation> {
    return VivariumInvitation.from(await services.invitations.invite(auth, vivariumId, email, role));
  }

  @Mutation(() => VivariumMember, { description: "Joins with the mailed token; your verified email must be the invited one" })
  async acceptVivariumInvitation(@Arg("token", () => String) token: string, @Ctx() { auth, services }: VivariumContext): Promise<VivariumMember> {
    return VivariumMember.from(await services.invitations.accept(auth, token));
  }

  @Mutation(() => Boolean, { description: "Withdraws an open invitation (those who may invite, for roles up to their own)" })
  async revokeVivariumInvitation(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: VivariumContext): Promise<boolean> {
    return services.invitations.revoke(auth, id);
  }

  @FieldResolver(() => Vivarium, { nullable: true })
  async vivarium(@Root() invitation: VivariumInvitation, @Ctx() { auth, services }: VivariumContext): Promise<Vivarium | null> {
    const viewed = await services.vivariums.find(auth, { id: invitation.vivariumId }, services.vivariumLoaders);
    return viewed && Vivarium.from(viewed);
  }

  @FieldResolver(() => User)
  invitedBy(@Root() invitation: VivariumInvitation): User {
    return User.ref(invitation.invitedByUserId);
  }
}

@Resolver(() => Vivarium)
export class VivariumInvitationsResolver {
  @FieldResolver(() => [VivariumInvitation], { description: "Open invitations, oldest first (those who may invite)" })
  async invitations(@Root() vivarium: Vivarium, @Ctx() { services }: VivariumContext): Promise<VivariumInvitation[]> {
    return (await services.invitations.open(vivarium, services.invitationsLoader)).map(VivariumInvitation.from);
  }
}
