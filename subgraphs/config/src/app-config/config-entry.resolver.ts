import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { ConfigContext } from "../context.js";
import { servedByGateway } from "@repti/kit";
import { User } from "../users/user.types.js";
import { ConfigChange, ConfigEntry, SetConfigInput } from "./config-entry.types.js";

@Resolver(() => ConfigEntry)
export class ConfigEntryResolver {
  @Query(() => [ConfigEntry], { description: "Current app config of an environment (default production)" })
  appConfig(@Arg("environment", () => String, { nullable: true }) environment: string | null, @Ctx() { services }: ConfigContext): ConfigEntry[] {
    return services.configEntries.appConfig(environment).map(ConfigEntry.from);
  }

  @Query(() => ConfigEntry, { nullable: true })
  configEntry(
    @Arg("key", () => String) key: string,
    @Arg("environment", () => String, { nullable: true }) environment: string | null,
    @Ctx() { services }: ConfigContext,
  ): ConfigEntry | null {
    const record = services.configEntries.entry(key, environment);
    return record && ConfigEntry.from(record);
  }

  @Query(() => [ConfigEntry], { description: "Every version of a key, newest first (platform admins, or API keys with config.read)" })
  async configHistory(
    @Arg("key", () => String) key: string,
    @Arg("environment", () => String, { nullable: true }) environment: string | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<ConfigEntry[]> {
    return (await services.configEntries.history(auth, key, environment, first)).map(ConfigEntry.from);
  }

  @Query(() => ConfigChange, {
    nullable: true,
    description: "One config change by its id, as `configChanged` announces it (the gateway resolves subscriptions with it)",
  })
  async configChange(@Arg("id", () => ID) id: string, @Ctx() { services }: ConfigContext): Promise<ConfigChange | null> {
    const record = await services.configEntries.version(id);
    return record && ConfigChange.from(record);
  }

  @Mutation(() => ConfigEntry, { description: "Adds a version (platform admins, or API keys with config.write); rolling back is setting an old value again" })
  async setConfig(@Arg("input", () => SetConfigInput) input: SetConfigInput, @Ctx() { auth, services }: ConfigContext): Promise<ConfigEntry> {
    return ConfigEntry.from(await services.configEntries.set(auth, input));
  }

  @Mutation(() => Boolean, { description: "Deletes a key (its history stays); false when it did not exist" })
  deleteConfig(
    @Arg("key", () => String) key: string,
    @Arg("environment", () => String, { nullable: true }) environment: string | null,
    @Ctx() { auth, services }: ConfigContext,
  ): Promise<boolean> {
    return services.configEntries.delete(auth, key, environment);
  }

  @Subscription(() => ConfigChange, {
    subscribe: servedByGateway,
    description: "Every app config change, or those of one environment and/or some keys",
  })
  configChanged(
    @Arg("environment", () => String, { nullable: true }) _environment: string | null,
    @Arg("keys", () => [String], { nullable: true }) _keys: string[] | null,
  ): ConfigChange {
    return servedByGateway();
  }

  @FieldResolver(() => User, { nullable: true, description: "Who wrote this version (platform admins, or API keys with config.write; null for others)" })
  changedBy(@Root() entry: ConfigEntry, @Ctx() { auth, services }: ConfigContext): User | null {
    return User.ref(services.configEntries.authorVisibleTo(auth, entry.changedByUserId));
  }
}

@Resolver(() => ConfigChange)
export class ConfigChangeResolver {
  @FieldResolver(() => User, { nullable: true, description: "Who made the change (platform admins, or API keys with config.write; null for others)" })
  changedBy(@Root() change: ConfigChange, @Ctx() { auth, services }: ConfigContext): User | null {
    return User.ref(services.configEntries.authorVisibleTo(auth, change.changedByUserId));
  }
}
