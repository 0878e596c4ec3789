import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import { servedByGateway } from "@repti/kit";
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
  @Query(() => RoleChange, {
    nullable: true,
    description: "One membership change by its id, as `vivariumMembershipChanged` announces it (members; NOT_FOUND for others)",
  })
  async vivariumMembershipChange(
    @Arg("vivariumId", () => ID) vivariumId: string,
    @Arg("id", () => ID) id: string,
    @Ctx() { auth, services }: VivariumContext,
  ): Promise<RoleChange | null> {
    const viewed = await services.vivariums.find(auth, { id: vivariumId }, services.vivariumLoaders);
    const record = await services.audit.change(auth, viewed && Vivarium.from(viewed), id);
    return record && RoleChange.from(record);
  }

  @Subscription(() => RoleChange, {
    subscribe: servedByGateway,
    description: "Members joining, leaving and changing roles in one vivarium, live (its members)",
  })
  vivariumMembershipChanged(@Arg("vivariumId", () => ID) _vivariumId: string): RoleChange {
    return servedByGateway();
  }

  @FieldResolver(() => User, { nullable: true, description: "Who made the change; null when the platform did (an account removed)" })
  changedBy(@Root() change: RoleChange): User | null {
    return change.actorUserId ? User.ref(change.actorUserId) : null;
  }

  @FieldResolver(() => User, { description: "Whose role changed" })
  user(@Root() change: RoleChange): User {
    return User.ref(change.subjectUserId);
  }
}
