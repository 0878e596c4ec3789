import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { User } from "../users/user.types.js";
import { Vivarium } from "../vivariums/vivarium.types.js";
import { defaultAuditPage, maxAuditPage } from "./role-audit.service.js";
import { RoleChange } from "./role-audit.types.js";

@Resolver(() => Vivarium)
export class VivariumRoleAuditResolver {
  @FieldResolver(() => [RoleChange], { description: "Role changes, newest first (CURATOR and up)" })
  async roleAudit(
    @Root() vivarium: Vivarium,
    @Arg("first", () => Int, { nullable: true, description: `At most this many (default ${defaultAuditPage}, up to ${maxAuditPage})` }) first: number | null,
    @Ctx() { services }: VivariumContext,
  ): Promise<RoleChange[]> {
    return (await services.audit.history(vivarium, first, services.auditLoaders)).map(RoleChange.from);
  }
}

@Resolver(() => RoleChange)
export class RoleChangeResolver {
  @FieldResolver(() => User, { nullable: true, description: "Who made the change; null when the platform did (an account removed)" })
  changedBy(@Root() change: RoleChange): User | null {
    return change.actorUserId ? User.ref(change.actorUserId) : null;
  }

  @FieldResolver(() => User, { description: "Whose role changed" })
  user(@Root() change: RoleChange): User {
    return User.ref(change.subjectUserId);
  }
}
