import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { ConfigContext } from "../context.js";
import { FeatureFlag } from "./flag.types.js";

@Resolver(() => FeatureFlag)
export class FlagResolver {
  @Query(() => [FeatureFlag], { description: "Every flag definition (platform admins)" })
  async featureFlags(@Ctx() { auth, services }: ConfigContext): Promise<FeatureFlag[]> {
    return (await services.flags.list(auth)).map(FeatureFlag.from);
  }

  @Query(() => FeatureFlag, { nullable: true })
  async featureFlag(@Arg("name", () => String) name: string, @Ctx() { auth, services }: ConfigContext): Promise<FeatureFlag | null> {
    const record = await services.flags.byName(auth, name);
    return record && FeatureFlag.from(record);
  }
}
