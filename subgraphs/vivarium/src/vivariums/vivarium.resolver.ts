import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { VivariumMember } from "../members/member.types.js";
import { User } from "../users/user.types.js";
import { actingUserOf } from "./callers.js";
import { CreateVivariumInput, UpdateVivariumInput, Vivarium, VivariumRole } from "./vivarium.types.js";

@Resolver(() => Vivarium)
export class VivariumResolver {
  @Query(() => [Vivarium], { description: "The vivariums you belong to" })
  async vivariums(@Ctx() { auth, services }: VivariumContext): Promise<Vivarium[]> {
    return (await services.vivariums.forUser(actingUserOf(auth), services.vivariumLoaders)).map(Vivarium.from);
  }

  @Query(() => Vivarium, { nullable: true, description: "One of your vivariums, by id or by slug; null for any other" })
  async vivarium(
    @Arg("id", () => ID, { nullable: true }) id: string | null,
    @Arg("slug", () => String, { nullable: true }) slug: string | null,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<Vivarium | null> {
    const viewed = await services.vivariums.find(auth, { id, slug }, services.vivariumLoaders);
    return viewed && Vivarium.from(viewed);
  }

  @Mutation(() => Vivarium, { description: "Creates a vivarium; you become its HERPETOLOGIST and owner" })
  async createVivarium(@Arg("input", () => CreateVivariumInput) input: CreateVivariumInput, @Ctx() { auth, services }: VivariumContext): Promise<Vivarium> {
    return Vivarium.from(await services.vivariums.create(auth, input));
  }

  @Mutation(() => Vivarium, { description: "Renames or describes a vivarium (CURATOR and up)" })
  async updateVivarium(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateVivariumInput) input: UpdateVivariumInput,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<Vivarium> {
    return Vivarium.from(await services.vivariums.update(auth, id, input));
  }

  @Mutation(() => Boolean, { description: "Deletes a vivarium (HERPETOLOGIST only); its data is kept for the retention period" })
  async deleteVivarium(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: VivariumContext): Promise<boolean> {
    return services.vivariums.delete(auth, id);
  }

  @Mutation(() => Vivarium, { description: "Makes a member the owner (and a HERPETOLOGIST); HERPETOLOGIST only" })
  async transferVivariumOwnership(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("userId", () => ID) userId: string,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<Vivarium> {
    return Vivarium.from(await services.vivariums.transfer(auth, vivariumId, userId));
  }

  @FieldResolver(() => User, { description: "The HERPETOLOGIST shown and billed as owner" })
  owner(@Root() vivarium: Vivarium): User {
    return User.ref(vivarium.ownerUserId);
  }

  @FieldResolver(() => [VivariumMember])
  async members(@Root() vivarium: Vivarium, @Ctx() { services }: VivariumContext): Promise<VivariumMember[]> {
    return (await services.members.members(vivarium, services.membersLoader)).map(VivariumMember.from);
  }

  @FieldResolver(() => VivariumRole, { nullable: true, description: "Your role here" })
  myRole(@Root() vivarium: Vivarium): VivariumRole {
    return vivarium.viewerRole;
  }
}

export function vivariumReferenceResolver() {
  return {
    Vivarium: {
      async __resolveReference(reference: { id: string }, { auth, services }: VivariumContext): Promise<Vivarium | null> {
        const viewed = await services.vivariums.find(auth, { id: reference.id }, services.vivariumLoaders);
        return viewed && Vivarium.from(viewed);
      },
    },
    User: {
      __resolveReference: (reference: { id: string }) => User.ref(reference.id),
    },
  };
}
