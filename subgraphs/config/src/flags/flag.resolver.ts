import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ConfigContext } from "../context.js";
import { CreateFeatureFlagInput, FeatureFlag, FeatureFlagOverride, FeatureFlagOverrideInput, UpdateFeatureFlagInput } from "./flag.types.js";

@Resolver(() => FeatureFlag)
export class FlagResolver {
  @Query(() => [FeatureFlag], { description: "Every live flag definition (platform admins, or API keys with flag.read)" })
  featureFlags(@Ctx() { auth, services }: ConfigContext): FeatureFlag[] {
    return services.flags.list(auth).map(({ flag }) => FeatureFlag.from(flag));
  }

  @Query(() => FeatureFlag, { nullable: true })
  featureFlag(@Arg("name", () => String) name: string, @Ctx() { auth, services }: ConfigContext): FeatureFlag | null {
    const entry = services.flags.byName(auth, name);
    return entry && FeatureFlag.from(entry.flag);
  }

  @FieldResolver(() => [FeatureFlagOverride], { description: "The flag's current per-user and per-vivarium overrides" })
  overrides(@Root() flag: FeatureFlag, @Ctx() { services }: ConfigContext): FeatureFlagOverride[] {
    return services.flags.overridesOf(flag.id).map(FeatureFlagOverride.from);
  }

  @Mutation(() => FeatureFlag, { description: "Platform admins, or API keys with flag.write" })
  async createFeatureFlag(@Arg("input", () => CreateFeatureFlagInput) input: CreateFeatureFlagInput, @Ctx() { auth, services }: ConfigContext): Promise<FeatureFlag> {
    const { name, ...definition } = input;
    return FeatureFlag.from(await services.flags.create(auth, name, definition));
  }

  @Mutation(() => FeatureFlag)
  async updateFeatureFlag(
    @Arg("name", () => String) name: string,
    @Arg("input", () => UpdateFeatureFlagInput) input: UpdateFeatureFlagInput,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<FeatureFlag> {
    return FeatureFlag.from(await services.flags.update(auth, name, input));
  }

  @Mutation(() => FeatureFlag, { description: "Switches a flag on or off for everyone; toggling to the current state changes nothing" })
  async toggleFeatureFlag(
    @Arg("name", () => String) name: string,
    @Arg("enabled", () => Boolean) enabled: boolean,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<FeatureFlag> {
    return FeatureFlag.from(await services.flags.toggle(auth, name, enabled));
  }

  @Mutation(() => Boolean, { description: "Archives a flag: gone from reads and evaluations, history kept, name free again" })
  async deleteFeatureFlag(@Arg("name", () => String) name: string, @Ctx() { auth, services }: ConfigContext): Promise<boolean> {
    await services.flags.archive(auth, name);
    return true;
  }

  @Mutation(() => FeatureFlag, { description: "Forces a flag on or off for one user or one vivarium (while the flag is enabled)" })
  async setFeatureFlagOverride(
    @Arg("name", () => String) name: string,
    @Arg("input", () => FeatureFlagOverrideInput) input: FeatureFlagOverrideInput,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<FeatureFlag> {
    return FeatureFlag.from(await services.flags.setOverride(auth, name, input, input.enabled));
  }

  @Mutation(() => Boolean, { description: "Removes an override of one user or one vivarium; false when there was none" })
  removeFeatureFlagOverride(
    @Arg("name", () => String) name: string,
    @Arg("userId", () => ID, { nullable: true }) userId: string | null,
    @Arg("vivariumId", () => ID, { nullable: true }) vivariumId: string | null,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<boolean> {
    return services.flags.removeOverride(auth, name, { userId, vivariumId });
  }
}
