import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { IdentityContext } from "../context.js";
import { UpdateProfileInput, User, UserConnection } from "./user.types.js";

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

  @Query(() => UserConnection, { description: "All users (platform admins), searchable by email and name" })
  async users(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("search", () => String, { nullable: true }) search: string | null,
    @Ctx() { auth, services }: IdentityContext,
  ): Promise<UserConnection> {
    const page = await services.users.list(auth, first, after, search);
    const edges = page.users.map((user) => ({ cursor: Buffer.from(user.email).toString("base64url"), node: User.from(user) }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Mutation(() => User, { description: "Platform admins: switch an account off (ends its sessions, revokes its API keys, leaves its vivariums)" })
  async deactivateUser(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: IdentityContext): Promise<User> {
    return User.from(await services.userAdmin.deactivate(auth, id));
  }

  @Mutation(() => User, { description: "Platform admins: let a deactivated account sign in again" })
  async reactivateUser(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: IdentityContext): Promise<User> {
    return User.from(await services.userAdmin.reactivate(auth, id));
  }

  @Mutation(() => Boolean, { description: "Platform admins: delete an account and everything identity keeps of it" })
  async deleteUser(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: IdentityContext): Promise<boolean> {
    return services.userAdmin.delete(auth, id);
  }

  @Mutation(() => User, { description: "Change your own names" })
  async updateProfile(@Arg("input", () => UpdateProfileInput) input: UpdateProfileInput, @Ctx() { auth, services }: IdentityContext): Promise<User> {
    return User.from(await services.users.updateProfile(auth, input));
  }
}

export function userReferenceResolver() {
  return {
    User: {
      async __resolveReference(reference: { id: string }, { auth, services }: IdentityContext): Promise<User | null> {
        const user = await services.users.reference(auth, reference.id, services.userLoader);
        return user && User.from(user);
      },
    },
  };
}
