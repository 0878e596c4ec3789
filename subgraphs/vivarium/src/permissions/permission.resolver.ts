import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { RoleDefinition } from "./permission.types.js";

@Resolver(() => RoleDefinition)
export class PermissionResolver {
  @Query(() => [RoleDefinition], { description: "The permission matrix: every vivarium role and what it may do" })
  async vivariumRoles(@Ctx() { services }: VivariumContext): Promise<RoleDefinition[]> {
    return (await services.permissions.roleDefinitions()) as RoleDefinition[];
  }

  @Query(() => Boolean, {
    description:
      "Whether you may do `action` on `resource` in the vivarium, by the permission matrix. With an API key: whether the key's owner may (false outside the key's vivarium, if it has one).",
  })
  async can(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("resource", () => String, { description: "vivarium, members, billing, animals, pedigrees, clutches, pairings, media" }) resource: string,
    @Arg("action", () => String, { description: "read, create, update, delete (transfer for vivarium)" }) action: string,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<boolean> {
    return services.members.can(auth, vivariumId, resource, action);
  }
}
