import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { IdentityContext } from "../context.js";
import { UpdateProfileInput, User } from "./user.types.js";

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: "The signed-in user; null when signed out" })
  async me(@Ctx() { auth, services }: IdentityContext): Promise<User | null> {
    const user = await services.users.me(auth, services.userLoader);
    return user && User.from(user);
  }

  @Query(() => User, { description: "A user by id: yourself, or anyone for platform admins" })
  async user(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: IdentityContext): Promise<User> {
    return User.from(await services.users.byId(auth, id, services.userLoader));
  }

  @Mutation(() => User, { description: "Change your own names" })
  async updateProfile(@Arg("input", () => UpdateProfileInput) input: UpdateProfileInput, @Ctx() { auth, services }: IdentityContext): Promise<User> {
    return User.from(await services.users.updateProfile(auth, input));
  }
}

export function userReferenceResolver() {
  return {
    User: {
      async __resolveReference(reference: { id: string }, { services }: IdentityContext): Promise<User | null> {
        const user = await services.users.reference(reference.id, services.userLoader);
        return user && User.from(user);
      },
    },
  };
}
