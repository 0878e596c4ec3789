import { fileURLToPath } from "node:url";
import { defineSubgraph } from "@repti/kit";
import { outbox, tables, type ConfigTables } from "./db/schema.js";
import type { ConfigServices } from "./context.js";
import { ConfigCache } from "./app-config/config-entry.cache.js";
import { ConfigChangeResolver, ConfigEntryResolver } from "./app-config/config-entry.resolver.js";
import { ConfigEntryService } from "./app-config/config-entry.service.js";
import { ConfigEntryStore } from "./app-config/config-entry.store.js";
import { EvaluationResolver } from "./flags/evaluation.resolver.js";
import { EvaluationService } from "./flags/evaluation.service.js";
import { FlagChangeResolver } from "./flags/flag-change.resolver.js";
import { FlagCatalog } from "./flags/flag.catalog.js";
import { FlagResolver } from "./flags/flag.resolver.js";
import { FlagService } from "./flags/flag.service.js";
import { FlagStore } from "./flags/flag.store.js";

/** How often each instance re-reads all flags and config, beside following events (which it normally does alone). */
const resyncMs = 30_000;

export const configSubgraph = defineSubgraph<ConfigTables, ConfigServices, ConfigServices>({
  name: "config",
  defaultPort: 4003,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/config", import.meta.url)),
  resolvers: [FlagResolver, FlagChangeResolver, EvaluationResolver, ConfigEntryResolver, ConfigChangeResolver],
  createServices: ({ db, outbox, log }) => {
    const flagStore = new FlagStore(db);
    const flagCatalog = new FlagCatalog(flagStore, log);
    const configStore = new ConfigEntryStore(db);
    const configCache = new ConfigCache(configStore, log);
    return {
      flags: new FlagService(flagStore, flagCatalog, outbox),
      evaluations: new EvaluationService(flagCatalog),
      configEntries: new ConfigEntryService(configStore, configCache, outbox),
      flagCatalog,
      configCache,
    };
  },
  forRequest: (services) => services,
  async startWorkers({ bus }, { flagCatalog, configCache }) {
    // Follow first, then load: a change committed while loading is either in the load or announced after it.
    const stops = [flagCatalog.follow(bus, resyncMs), configCache.follow(bus, resyncMs)];
    await Promise.all([flagCatalog.load(), configCache.load()]);
    return () => stops.forEach((stop) => stop());
  },
  async seedDemoData({ db }) {
    await new FlagStore(db).insertIfAbsent([
      { name: "pedigree-explorer", description: "New pedigree tree view", enabled: true, rolloutPercentage: 50 },
      { name: "clutch-reminders", description: "Incubation reminders", enabled: false, rolloutPercentage: 100 },
    ]);
    await new ConfigEntryStore(db).insertIfAbsent(
      ["development", "production"].flatMap((environment) => [
        { key: "app.maintenanceMode", environment, version: 1, value: false, description: "Show the maintenance banner" },
        { key: "husbandry.defaultTemperatureUnit", environment, version: 1, value: "celsius" },
      ]),
    );
  },
});
