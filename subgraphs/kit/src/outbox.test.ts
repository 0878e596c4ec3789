import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { sql } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { createTestDatabase } from "../../../test/support/database.js";
import { InProcessBus, type EventBus, type EventEnvelope } from "./bus.js";
import { connectDatabase, type Database } from "./db.js";
import { createLogger } from "./logger.js";
import { defineOutbox, Outbox, OutboxRelay } from "./outbox.js";

const schema = pgSchema("outbox_test");
const outboxTable = defineOutbox(schema);
const widgets = schema.table("widgets", (t) => ({ name: t.text("name").primaryKey() }));
const log = createLogger("outbox-test", "silent");

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database<Record<string, unknown>>;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseUrl"));
  db = connectDatabase({ url: database.url, poolMax: 4, applicationName: "outbox-test" }, {});
  await db.execute(sql`create schema outbox_test`);
  await db.execute(sql`create table outbox_test.widgets (name text primary key)`);
  await db.execute(sql`create table outbox_test.outbox (id uuid primary key, type text not null, aggregate_id text,
    payload jsonb not null, occurred_at timestamptz not null default now(), published_at timestamptz,
    attempts integer not null default 0, last_error text)`);
});
afterAll(async () => {
  await db?.$client.end();
  await database?.drop();
});

function collect(bus: EventBus): EventEnvelope[] {
  const received: EventEnvelope[] = [];
  bus.subscribe((event) => void received.push(event));
  return received;
}

describe("transactional outbox", () => {
  const outbox = new Outbox(outboxTable, "outbox_test");

  it("publishes what committed, in order, and never what rolled back", async () => {
    const bus = new InProcessBus(log);
    const received = collect(bus);
    const relay = new OutboxRelay({ db, outbox, bus, source: "test", log, pollMs: 60_000 });
    await relay.start();

    await db.transaction(async (tx) => {
      await tx.insert(widgets).values({ name: "gecko" });
      await outbox.enqueue(tx, { type: "widget.created", aggregateId: "gecko", payload: { n: 1 } }, { type: "widget.created", aggregateId: "gecko", payload: { n: 2 } });
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(widgets).values({ name: "python" });
        await outbox.enqueue(tx, { type: "widget.created", aggregateId: "python", payload: { n: 3 } });
        throw new Error("half-way failure");
      }),
    ).rejects.toThrow("half-way failure");

    // LISTEN/NOTIFY wakes the relay on commit; no poll is due for a minute.
    await expect.poll(() => received.length, { timeout: 3_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.map((event) => event.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(received[0]).toMatchObject({ type: "widget.created", source: "test", aggregateId: "gecko" });
    expect(new Set(received.map((event) => event.id)).size).toBe(2);
    const rows = await db.execute<{ name: string }>(sql`select name from outbox_test.widgets`);
    expect(rows.map((row) => row.name)).toEqual(["gecko"]);
    await relay.stop();
  });

  it("delivers a payload's confidential part, then keeps the row without it", async () => {
    const bus = new InProcessBus(log);
    const received = collect(bus);
    const relay = new OutboxRelay({ db, outbox, bus, source: "test", log, pollMs: 60_000 });
    await relay.start();
    const [id] = await db.transaction((tx) =>
      outbox.enqueue(tx, { type: "widget.invited", aggregateId: "secret", payload: { widget: "gecko", confidential: { token: "s3cret" } } }),
    );
    await expect.poll(() => received.find((event) => event.id === id)?.payload, { timeout: 3_000 }).toEqual({ widget: "gecko", confidential: { token: "s3cret" } });
    await relay.idle();
    const [row] = await db.execute<{ payload: unknown; published: boolean }>(
      sql`select payload, published_at is not null as published from outbox_test.outbox where id = ${id}`,
    );
    expect(row).toEqual({ payload: { widget: "gecko" }, published: true });

    // Payloads that are not objects are kept as they are (and do not fail the batch).
    const others = await db.transaction((tx) =>
      outbox.enqueue<unknown>(tx, { type: "widget.counted", payload: 3 }, { type: "widget.listed", payload: ["confidential", "gecko"] }),
    );
    await expect.poll(() => others.every((other) => received.some((event) => event.id === other)), { timeout: 3_000 }).toBe(true);
    await relay.idle();
    const kept = await db.execute<{ payload: unknown; published: boolean }>(
      sql`select payload, published_at is not null as published from outbox_test.outbox where id in (${others[0]}, ${others[1]}) order by type`,
    );
    expect(kept).toEqual([
      { payload: 3, published: true },
      { payload: ["confidential", "gecko"], published: true },
    ]);
    await relay.stop();
  });

  it("keeps an event the bus refused and delivers it once the bus is back (at least once)", async () => {
    let failing = true;
    const inner = new InProcessBus(log);
    const received = collect(inner);
    const flaky: EventBus = {
      publish: async (event) => {
        if (failing) throw new Error("bus down");
        await inner.publish(event);
      },
      subscribe: (handler, options) => inner.subscribe(handler, options),
      ping: () => inner.ping(),
      close: () => inner.close(),
    };
    const relay = new OutboxRelay({ db, outbox, bus: flaky, source: "test", log, pollMs: 50 });
    await relay.start();
    await db.transaction((tx) => outbox.enqueue(tx, { type: "widget.updated", payload: { n: 4 } }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(0);
    const [pending] = await db.execute<{ attempts: number; last_error: string }>(
      sql`select attempts, last_error from outbox_test.outbox where published_at is null`,
    );
    expect(pending?.attempts).toBeGreaterThan(0);
    expect(pending?.last_error).toMatch(/bus down/);

    failing = false;
    await expect.poll(() => received.length, { timeout: 3_000 }).toBe(1);
    expect(received[0]?.payload).toEqual({ n: 4 });
    await relay.stop();
  });

  it("two relays on one outbox publish each row once", async () => {
    const bus = new InProcessBus(log);
    const received = collect(bus);
    const relays = [1, 2].map(() => new OutboxRelay({ db, outbox, bus, source: "test", log, pollMs: 20, batchSize: 5 }));
    await Promise.all(relays.map((relay) => relay.start()));
    await Promise.all(
      Array.from({ length: 40 }, (_, n) => db.transaction((tx) => outbox.enqueue(tx, { type: "widget.bulk", payload: { n } }))),
    );
    await expect.poll(() => received.filter((event) => event.type === "widget.bulk").length, { timeout: 5_000 }).toBe(40);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ids = received.filter((event) => event.type === "widget.bulk").map((event) => event.id);
    expect(new Set(ids).size).toBe(40);
    expect(ids).toHaveLength(40);
    await Promise.all(relays.map((relay) => relay.stop()));
  });
});
