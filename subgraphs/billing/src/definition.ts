import { fileURLToPath } from "node:url";
import { defineSubgraph } from "@repti/kit";
import { outbox, tables, type BillingTables } from "./db/schema.js";
import type { BillingServices } from "./context.js";
import { PlanResolver } from "./plans/plan.resolver.js";
import { PlanService } from "./plans/plan.service.js";
import { PlanStore } from "./plans/plan.store.js";

export const billingSubgraph = defineSubgraph<BillingTables, BillingServices, BillingServices>({
  name: "billing",
  defaultPort: 4004,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/billing", import.meta.url)),
  resolvers: [PlanResolver],
  createServices: ({ db }) => ({ plans: new PlanService(new PlanStore(db)) }),
  forRequest: (services) => services,
  async seedDemoData({ db }) {
    await new PlanStore(db).insertIfAbsent([
      { code: "free", name: "Hatchling", priceCents: 0, entitlements: { maxAnimals: 25, maxMembers: 2 } },
      { code: "keeper", name: "Keeper", priceCents: 900, entitlements: { maxAnimals: 250, maxMembers: 5, pedigrees: true } },
      { code: "breeder", name: "Breeder", priceCents: 2900, entitlements: { maxAnimals: null, maxMembers: 25, pedigrees: true, clutchTracking: true } },
    ]);
  },
});
