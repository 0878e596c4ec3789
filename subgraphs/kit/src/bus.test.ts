import { afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { randomUUID } from "node:crypto";
import { dropRedisConnections } from "../../../test/support/redis.js";
import { RedisBus, type EventEnvelope } from "./bus.js";
import { createLogger } from "./logger.js";

const log = createLogger("bus-test", "silent");
const buses: RedisBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

function event(type: string, n: number): EventEnvelope {
  return { id: randomUUID(), type, source: "test", aggregateId: null, payload: { n }, occurredAt: new Date().toISOString() };
}

describe("Redis bus", () => {
  it("fans out to every instance on the same prefix, filtered by type, and to none on another prefix", async () => {
    const prefix = `bus-${randomUUID()}`;
    const [a, b, stranger] = [prefix, prefix, `${prefix}-other`].map((p) => new RedisBus(inject("redisUrl"), p, log));
    buses.push(a!, b!, stranger!);
    const onA: EventEnvelope[] = [];
    const onB: EventEnvelope[] = [];
    const onStranger: EventEnvelope[] = [];
    a!.subscribe((e) => void onA.push(e));
    b!.subscribe((e) => void onB.push(e), { types: ["org.created"] });
    stranger!.subscribe((e) => void onStranger.push(e));
    await Promise.all([a!.ready(), b!.ready(), stranger!.ready()]);

    await a!.publish(event("org.created", 1));
    await a!.publish(event("org.updated", 2));
    await expect.poll(() => onA.length).toBe(2);
    await expect.poll(() => onB.length).toBe(1);
    expect(onB[0]?.type).toBe("org.created");
    expect(onStranger).toHaveLength(0);
  });

  it("survives a dropped connection: reconnects, resubscribes, tells consumers of the gap and delivers again", async () => {
    const prefix = `bus-${randomUUID()}`;
    const publisher = new RedisBus(inject("redisUrl"), prefix, log);
    const subscriber = new RedisBus(inject("redisUrl"), prefix, log);
    buses.push(publisher, subscriber);
    const received: EventEnvelope[] = [];
    let gaps = 0;
    subscriber.subscribe((e) => void received.push(e), { onGap: () => gaps++ });
    await subscriber.ready();
    await publisher.publish(event("config.updated", 1));
    await expect.poll(() => received.length).toBe(1);
    expect(gaps).toBe(0);

    // Only this test's connections (each bus has one subscriber connection): other test files share the server.
    expect(await dropRedisConnections(inject("redisUrl"), `${prefix}:bus:sub`)).toBe(2);
    await expect.poll(() => gaps, { timeout: 5_000 }).toBe(1);
    // Publish until the resubscribed connection hears one (messages sent while it was down are lost: live fan-out).
    await expect
      .poll(async () => {
        await publisher.publish(event("config.updated", 2));
        return received.some((e) => (e.payload as { n: number }).n === 2);
      }, { timeout: 5_000, interval: 100 })
      .toBe(true);
  });
});
