import { sql } from "drizzle-orm";
import { bigserial, doublePrecision, index, jsonb, pgSchema, text, uuid } from "drizzle-orm/pg-core";
import { defineOutbox, timestamptz } from "@repti/kit";

export const telemetrySchema = pgSchema("telemetry");

/** Every domain event heard on the bus, once: the id is the outbox event id, so redeliveries collapse. */
export const events = telemetrySchema.table(
  "events",
  {
    id: uuid("id").primaryKey(),
    type: text("type").notNull(),
    source: text("source").notNull(),
    aggregateId: text("aggregate_id"),
    payload: jsonb("payload").notNull(),
    occurredAt: timestamptz("occurred_at").notNull(),
    receivedAt: timestamptz("received_at").notNull().defaultNow(),
  },
  (table) => [
    index("events_occurred_idx").on(table.occurredAt.desc(), table.id.desc()),
    index("events_type_occurred_idx").on(table.type, table.occurredAt.desc()),
  ],
);

export const metricPoints = telemetrySchema.table(
  "metric_points",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    name: text("name").notNull(),
    value: doublePrecision("value").notNull(),
    labels: jsonb("labels").notNull().default(sql`'{}'::jsonb`),
    recordedAt: timestamptz("recorded_at").notNull().defaultNow(),
  },
  (table) => [index("metric_points_name_time_idx").on(table.name, table.recordedAt)],
);

export const outbox = defineOutbox(telemetrySchema);

export const tables = { events, metricPoints, outbox };
export type TelemetryTables = typeof tables;
