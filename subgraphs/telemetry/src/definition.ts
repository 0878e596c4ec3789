import { fileURLToPath } from "node:url";
import { defineSubgraph } from "@repti/kit";
import { outbox, tables, type TelemetryTables } from "./db/schema.js";
import type { TelemetryServices } from "./context.js";
import { EventResolver } from "./events/event.resolver.js";
import { EventService } from "./events/event.service.js";
import { EventStore } from "./events/event.store.js";

export const telemetrySubgraph = defineSubgraph<TelemetryTables, TelemetryServices, TelemetryServices>({
  name: "telemetry",
  defaultPort: 4005,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/telemetry", import.meta.url)),
  resolvers: [EventResolver],
  createServices: ({ db }) => ({ events: new EventService(new EventStore(db)) }),
  forRequest: (services) => services,
  startWorkers: ({ bus }, services) => bus.subscribe((event) => services.events.record(event).then(() => undefined)),
});
