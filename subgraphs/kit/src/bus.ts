import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { Logger } from "./logger.js";

/** One domain event as it travels between subgraphs (and, later, to the audit log). */
export interface EventEnvelope<TPayload = unknown> {
  /** Unique per event; consumers deduplicate on it because delivery is at least once. */
  id: string;
  /** Dotted name from SPEC.md, e.g. `org.member.added`. */
  type: string;
  /** The subgraph that announced it. */
  source: string;
  aggregateId: string | null;
  payload: TPayload;
  occurredAt: string;
}

export type EventHandler = (event: EventEnvelope) => void | Promise<void>;

export interface SubscribeOptions {
  /** Event types to receive; all when absent. */
  types?: readonly string[];
  /**
   * Called when events may have been missed: live fan-out drops what is published while a connection is down,
   * so a consumer holding derived state (a cache) re-reads it here.
   */
  onGap?: () => void;
}

/**
 * The bus the outbox relay publishes to. Delivery here is live fan-out (every subscriber of every instance
 * sees each event once it is published); a durable, consumer-group implementation fits the same interface.
 */
export interface EventBus {
  publish(event: EventEnvelope): Promise<void>;
  subscribe(handler: EventHandler, options?: SubscribeOptions): () => void;
  /** Whether the bus can deliver right now (for `/health/deep`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function matches(event: EventEnvelope, options: SubscribeOptions | undefined): boolean {
  return !options?.types || options.types.includes(event.type);
}

/** Runs a handler without letting one consumer's failure reach the publisher or the other consumers. */
function deliver(handler: EventHandler, event: EventEnvelope, log: Logger): void {
  Promise.resolve()
    .then(() => handler(event))
    .catch((error: unknown) => log.error({ err: error, eventId: event.id, type: event.type }, "event handler failed"));
}

/** The bus of a single process, used when no REDIS_URL is set. */
export class InProcessBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  constructor(private readonly log: Logger) {}

  async publish(event: EventEnvelope): Promise<void> {
    this.emitter.emit("event", event);
  }

  subscribe(handler: EventHandler, options?: SubscribeOptions): () => void {
    const listener = (event: EventEnvelope) => {
      if (matches(event, options)) deliver(handler, event, this.log);
    };
    this.emitter.on("event", listener);
    return () => this.emitter.off("event", listener);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/**
 * Redis pub/sub: one channel per event type under a prefix, one pattern subscription per process shared by
 * all handlers. ioredis reconnects and resubscribes on its own after a dropped connection.
 */
export class RedisBus implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Set<{ handler: EventHandler; options: SubscribeOptions | undefined }>();
  private subscribed: Promise<unknown> | undefined;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    const options = { maxRetriesPerRequest: null, enableAutoPipelining: true, lazyConnect: false } as const;
    this.publisher = new Redis(url, { ...options, connectionName: `${prefix}:bus:pub` });
    this.subscriber = new Redis(url, { ...options, connectionName: `${prefix}:bus:sub` });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on("error", (error: Error) => this.log.warn({ err: error }, "redis bus connection error"));
    }
    this.subscriber.on("pmessage", (_pattern: string, _channel: string, message: string) => this.dispatch(message));
    let connectedBefore = false;
    this.subscriber.on("ready", () => {
      if (connectedBefore) this.announceGap();
      connectedBefore = true;
    });
  }

  private announceGap(): void {
    this.log.info("redis bus reconnected; events published while it was down were missed");
    for (const { options } of this.handlers) {
      try {
        options?.onGap?.();
      } catch (error) {
        this.log.error({ err: error }, "bus gap handler failed");
      }
    }
  }

  private channel(type: string): string {
    return `${this.prefix}:events:${type}`;
  }

  private dispatch(message: string): void {
    let event: EventEnvelope;
    try {
      event = JSON.parse(message) as EventEnvelope;
    } catch (error) {
      this.log.warn({ err: error }, "dropped a malformed bus message");
      return;
    }
    for (const { handler, options } of this.handlers) {
      if (matches(event, options)) deliver(handler, event, this.log);
    }
  }

  async publish(event: EventEnvelope): Promise<void> {
    await this.publisher.publish(this.channel(event.type), JSON.stringify(event));
  }

  subscribe(handler: EventHandler, options?: SubscribeOptions): () => void {
    const entry = { handler, options };
    this.handlers.add(entry);
    this.subscribed ??= this.subscriber.psubscribe(this.channel("*"));
    return () => this.handlers.delete(entry);
  }

  /** Resolves once the pattern subscription is active, so a caller can publish knowing it will be heard. */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}

export function createBus(options: { redisUrl: string | undefined; prefix: string; log: Logger }): EventBus {
  return options.redisUrl ? new RedisBus(options.redisUrl, options.prefix, options.log) : new InProcessBus(options.log);
}
