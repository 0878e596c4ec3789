import { Ctx, Query, Resolver } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { RoleDefinition } from "./permission.types.js";

@Resolver(() => RoleDefinition)
export class PermissionResolver {
  @Query(() => [RoleDefinition], { description: "The permission matrix: every vivarium role and what it may do" })
  async vivariumRoles(@Ctx() { services }: VivariumContext): Promise<RoleDefinition[]> {
    return (await services.permissions.roleDefinitions()) as RoleDefinition[];
  }
}
