import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { requireUser } from "@repti/kit";
import type { VivariumContext } from "../context.js";
import { VivariumMember } from "../members/member.types.js";
import { User } from "../users/user.types.js";
import { Vivarium, VivariumRole } from "./vivarium.types.js";

@Resolver(() => Vivarium)
export class VivariumResolver {
  @Query(() => [Vivarium], { description: "The vivariums you belong to" })
  async vivariums(@Ctx() { auth, services }: VivariumContext): Promise<Vivarium[]> {
    const records = await services.vivariums.forUser(requireUser(auth).userId, services.vivariumLoaders);
    return records.map(Vivarium.from);
  }

  @Query(() => Vivarium, { nullable: true, description: "A vivarium by id or by slug" })
  async vivarium(
    @Arg("id", () => ID, { nullable: true }) id: string | null,
    @Arg("slug", () => String, { nullable: true }) slug: string | null,
    @Ctx() { services }: VivariumContext,
  ): Promise<Vivarium | null> {
    const record = await services.vivariums.find({ id, slug }, services.vivariumLoaders);
    return record && Vivarium.from(record);
  }

  @FieldResolver(() => User)
  owner(@Root() vivarium: Vivarium): User {
    return User.ref(vivarium.ownerUserId);
  }

  @FieldResolver(() => [VivariumMember])
  async members(@Root() vivarium: Vivarium, @Ctx() { services }: VivariumContext): Promise<VivariumMember[]> {
    return (await services.members.members(vivarium.id, services.membersLoader)).map(VivariumMember.from);
  }

  @FieldResolver(() => VivariumRole, { nullable: true, description: "Your role here; null when you are not a member" })
  async myRole(@Root() vivarium: Vivarium, @Ctx() { auth, services }: VivariumContext): Promise<VivariumRole | null> {
    return (await services.members.roleOf(auth, vivarium.id, services.membersLoader)) as VivariumRole | null;
  }
}

export function vivariumReferenceResolver() {
  return {
    Vivarium: {
      async __resolveReference(reference: { id: string }, { services }: VivariumContext): Promise<Vivarium | null> {
        const record = await services.vivariums.find({ id: reference.id }, services.vivariumLoaders);
        return record && Vivarium.from(record);
      },
    },
    User: {
      __resolveReference: (reference: { id: string }) => User.ref(reference.id),
    },
  };
}
