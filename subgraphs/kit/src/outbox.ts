import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { index, integer, jsonb, text, uuid, type PgSchema } from "drizzle-orm/pg-core";
import { timestamptz } from "./columns.js";
import type { EventBus, EventEnvelope } from "./bus.js";
import type { Database, Transaction } from "./db.js";
import type { Logger } from "./logger.js";

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
    await tx.insert(this.table).values(rows);
    // NOTIFY is transactional: the relay wakes only if this transaction commits.
    await tx.execute(sql`select pg_notify(${notifyChannel(this.schemaName)}, '')`);
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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly options: RelayOptions) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => {
      if (!this.unlisten) void this.listen();
      this.wake();
    }, this.options.pollMs);
    await this.listen();
    this.wake();
  }

  /** Subscribes to commit notifications; while the database is unreachable, polling carries on alone. */
  private async listen(): Promise<void> {
    const { db, outbox, log } = this.options;
    try {
      const listener = await db.$client.listen(notifyChannel(outbox.schemaName), () => this.wake());
      if (this.stopped) await listener.unlisten();
      else this.unlisten = listener.unlisten;
    } catch (error) {
      log.warn({ err: error }, "outbox relay cannot LISTEN yet; polling until it can");
    }
  }

  /** Runs a drain now, or once more right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves when no drain is in progress (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    try {
      while (!this.stopped && (await this.publishBatch(batchSize)) === batchSize);
    } catch (error) {
      this.options.log.error({ err: error }, "outbox relay failed; retrying on the next wake");
    }
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
        await tx
          .update(table)
          .set({ publishedAt: new Date(), attempts: sql`${table.attempts} + 1` })
          .where(and(inArray(table.id, published), isNull(table.publishedAt)));
      }
      return published.length === rows.length ? rows.length : -1;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
    await this.unlisten?.().catch(() => {});
  }
}
