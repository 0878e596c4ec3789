import { fileURLToPath } from "node:url";
import { defineSubgraph } from "@repti/kit";
import { outbox, tables, type ConfigTables } from "./db/schema.js";
import type { ConfigServices } from "./context.js";
import { ConfigEntryResolver } from "./app-config/config-entry.resolver.js";
import { ConfigEntryService } from "./app-config/config-entry.service.js";
import { ConfigEntryStore } from "./app-config/config-entry.store.js";
import { FlagResolver } from "./flags/flag.resolver.js";
import { FlagService } from "./flags/flag.service.js";
import { FlagStore } from "./flags/flag.store.js";

export const configSubgraph = defineSubgraph<ConfigTables, ConfigServices, ConfigServices>({
  name: "config",
  defaultPort: 4003,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/config", import.meta.url)),
  resolvers: [FlagResolver, ConfigEntryResolver],
  createServices: ({ db }) => ({
    flags: new FlagService(new FlagStore(db)),
    configEntries: new ConfigEntryService(new ConfigEntryStore(db)),
  }),
  forRequest: (services) => services,
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
