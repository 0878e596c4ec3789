import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { VivariumContext } from "../context.js";
import { Vivarium } from "../vivariums/vivarium.types.js";
import { User } from "./user.types.js";

@Resolver(() => User)
export class UserVivariumsResolver {
  @FieldResolver(() => [Vivarium], { description: "The vivariums this user belongs to, as far as you share them" })
  async vivariums(@Root() user: User, @Ctx() { services }: VivariumContext): Promise<Vivarium[]> {
    return (await services.vivariums.forUser(user.id, services.vivariumLoaders)).map(Vivarium.from);
  }
}
