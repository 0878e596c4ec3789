import { Arg, Ctx, ID, Int, Query, Resolver, Subscription } from "type-graphql";
import type { ConfigContext } from "../context.js";
import { servedByGateway } from "@repti/kit";
import { FeatureFlagChange } from "./flag-change.types.js";

@Resolver(() => FeatureFlagChange)
export class FlagChangeResolver {
  @Query(() => [FeatureFlagChange], { description: "Changes to flags of this name, newest first (platform admins, or API keys with flag.read)" })
  async featureFlagHistory(
    @Arg("name", () => String) name: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<FeatureFlagChange[]> {
    return (await services.flags.history(auth, name, first)).map(FeatureFlagChange.from);
  }

  @Query(() => FeatureFlagChange, {
    nullable: true,
    description: "One flag change by its id, as `featureFlagChanged` announces it (the gateway resolves subscriptions with it)",
  })
  async featureFlagChange(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: ConfigContext): Promise<FeatureFlagChange | null> {
    const record = await services.flags.changeById(auth, id);
    return record && FeatureFlagChange.from(record);
  }

  @Subscription(() => FeatureFlagChange, {
    subscribe: servedByGateway,
    description: "Every change to a flag, or to the named flags (platform admins, or API keys with flag.read)",
  })
  featureFlagChanged(@Arg("names", () => [String], { nullable: true }) _names: string[] | null): FeatureFlagChange {
    return servedByGateway();
  }
}
