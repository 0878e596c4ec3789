import { and, desc, eq, gte, inArray, lt, lte, or, type SQL } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { events, type TelemetryTables } from "../db/schema.js";

export type EventRecord = typeof events.$inferSelect;
export type NewEventRecord = typeof events.$inferInsert;

export interface EventQuery {
  types?: readonly string[];
  source?: string;
  aggregateId?: string;
  from?: Date;
  to?: Date;
  /** Keyset position: rows strictly older than this (occurredAt, id). */
  before?: { occurredAt: Date; id: string };
  limit: number;
}

/** The only place that reads or writes `telemetry.events`. */
export class EventStore {
  constructor(private readonly db: Database<TelemetryTables>) {}

  /** Inserts the event unless its id is already stored; true when it was new. */
  async recordOnce(record: NewEventRecord): Promise<boolean> {
    const inserted = await this.db.insert(events).values(record).onConflictDoNothing().returning({ id: events.id });
    return inserted.length > 0;
  }

  /** Newest first, keyset-paginated on (occurred_at, id). */
  async page(query: EventQuery): Promise<EventRecord[]> {
    const conditions: SQL[] = [];
    if (query.types?.length) conditions.push(inArray(events.type, [...query.types]));
    if (query.source) conditions.push(eq(events.source, query.source));
    if (query.aggregateId) conditions.push(eq(events.aggregateId, query.aggregateId));
    if (query.from) conditions.push(gte(events.occurredAt, query.from));
    if (query.to) conditions.push(lte(events.occurredAt, query.to));
    if (query.before) {
      const { occurredAt, id } = query.before;
      conditions.push(or(lt(events.occurredAt, occurredAt), and(eq(events.occurredAt, occurredAt), lt(events.id, id)))!);
    }
    return this.db
      .select()
      .from(events)
      .where(and(...conditions))
      .orderBy(desc(events.occurredAt), desc(events.id))
      .limit(query.limit);
  }
}
