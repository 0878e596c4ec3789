import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { index, integer, jsonb, text, uuid, type PgSchema } from "drizzle-orm/pg-core";
import { timestamptz } from "./columns.js";
import type { EventBus, EventEnvelope } from "./bus.js";
import { confidentialKey } from "./event-payload.js";
import type { Database, Transaction } from "./db.js";
import type { Logger } from "./logger.js";
import { NotifiedWorker } from "./notified-worker.js";

/**
 * The outbox table, one per subgraph schema. A change and the event announcing it are written in one
 * transaction; the relay publishes committed rows, so a rolled-back change is never announced.
 */
export function defineOutbox(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      id: uuid("id").primaryKey(),
      type: text("type").notNull(),
      aggregateId: text("aggregate_id"),
      payload: jsonb("payload").notNull(),
      occurredAt: timestamptz("occurred_at").notNull().defaultNow(),
      publishedAt: timestamptz("published_at"),
      attempts: integer("attempts").notNull().default(0),
      lastError: text("last_error"),
    },
    (table) => [index("outbox_unpublished_idx").on(table.occurredAt).where(sql`${table.publishedAt} is null`)],
  );
}

export type OutboxTable = ReturnType<typeof defineOutbox>;

export interface NewEvent<TPayload> {
  type: string;
  aggregateId?: string | null;
  payload: TPayload;
}

type AnyTransaction = Transaction<Record<string, unknown>>;

function notifyChannel(schemaName: string): string {
  return `repti_outbox_${schemaName}`;
}

/** Writes events into a subgraph's outbox inside the caller's transaction. */
export class Outbox {
  constructor(
    readonly table: OutboxTable,
    readonly schemaName: string,
  ) {}

  async enqueue<TPayload>(tx: AnyTransaction, ...events: NewEvent<TPayload>[]): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = events.map((event) => ({
      id: randomUUID(),
      type: event.type,
      aggregateId: event.aggregateId ?? null,
      payload: event.payload as object,
    }));
    // NOTIFY is transactional: the relay wakes only if this transaction commits. Sent with the insert, without
    // waiting for it (one round trip, not two: every write that announces itself pays for this).
    await Promise.all([tx.insert(this.table).values(rows), tx.execute(sql`select pg_notify(${notifyChannel(this.schemaName)}, '')`)]);
    return rows.map((row) => row.id);
  }
}

export interface RelayOptions {
  db: Database<Record<string, unknown>>;
  outbox: Outbox;
  bus: EventBus;
  source: string;
  log: Logger;
  /** Fallback poll when a notification is missed (relay restart, dropped LISTEN connection). */
  pollMs: number;
  batchSize?: number;
}

/**
 * Publishes committed outbox rows to the bus, oldest first, at least once. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several instances relay the same outbox without publishing a row twice
 * in the normal case; a crash between publish and commit republishes, which consumers absorb by event id.
 */
export class OutboxRelay {
  private readonly worker: NotifiedWorker;

  constructor(private readonly options: RelayOptions) {
    const { db, outbox, log, pollMs } = options;
    this.worker = new NotifiedWorker({
      name: "outbox relay",
      log,
      pollMs,
      listen: async (onNotify) => (await db.$client.listen(notifyChannel(outbox.schemaName), onNotify)).unlisten,
      drain: () => this.drain(),
    });
  }

  start(): Promise<void> {
    return this.worker.start();
  }

  wake(): void {
    this.worker.wake();
  }

  idle(): Promise<void> {
    return this.worker.idle();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    while (!this.worker.isStopped && (await this.publishBatch(batchSize)) === batchSize);
  }

  private async publishBatch(limit: number): Promise<number> {
    const { db, outbox, bus, source } = this.options;
    const table = outbox.table;
    return db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(table)
        .where(isNull(table.publishedAt))
        .orderBy(asc(table.occurredAt))
        .limit(limit)
        .for("update", { skipLocked: true });
      const published: string[] = [];
      for (const row of rows) {
        const event: EventEnvelope = {
          id: row.id,
          type: row.type,
          source,
          aggregateId: row.aggregateId,
          payload: row.payload,
          occurredAt: row.occurredAt.toISOString(),
        };
        try {
          await bus.publish(event);
          published.push(row.id);
        } catch (error) {
          // Keep order: stop at the first failure and record it; the rest waits for the next wake.
          await tx
            .update(table)
            .set({ attempts: sql`${table.attempts} + 1`, lastError: String(error) })
            .where(eq(table.id, row.id));
          break;
        }
      }
      if (published.length > 0) {
        // A confidential part (an invitation's token) was for the bus's one consumer: it is not kept past delivery.
        // Objects only: `-` on a scalar payload would fail the batch after it was published, again and again.
        const withoutConfidential = sql`case when jsonb_typeof(${table.payload}) = 'object' then ${table.payload} - ${confidentialKey}::text else ${table.payload} end`;
        await tx
          .update(table)
          .set({ publishedAt: new Date(), attempts: sql`${table.attempts} + 1`, payload: withoutConfidential })
          .where(and(inArray(table.id, published), isNull(table.publishedAt)));
      }
      return published.length === rows.length ? rows.length : -1;
    });
  }
}
