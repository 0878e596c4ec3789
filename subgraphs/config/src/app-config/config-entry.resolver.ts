import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { ConfigContext } from "../context.js";
import { ConfigEntry } from "./config-entry.types.js";

@Resolver(() => ConfigEntry)
export class ConfigEntryResolver {
  @Query(() => [ConfigEntry], { description: "Current app config of an environment (default production)" })
  async appConfig(
    @Arg("environment", () => String, { nullable: true }) environment: string | null,
    @Ctx() { services }: ConfigContext,
  ): Promise<ConfigEntry[]> {
    return (await services.configEntries.appConfig(environment)).map(ConfigEntry.from);
  }

  @Query(() => ConfigEntry, { nullable: true })
  async configEntry(
    @Arg("key", () => String) key: string,
    @Arg("environment", () => String, { nullable: true }) environment: string | null,
    @Ctx() { services }: ConfigContext,
  ): Promise<ConfigEntry | null> {
    const record = await services.configEntries.entry(key, environment);
    return record && ConfigEntry.from(record);
  }
}
