import type { EventBus, EventEnvelope, Logger } from "@repti/kit";

/**
 * Keeps an in-memory read model coherent with the database across instances: `apply` for each event the outbox
 * relays publish, and a full `reload` after a bus gap (live fan-out drops what it could not deliver) and every
 * `resyncMs` (an event whose re-read failed). Returns how to stop.
 */
export function followEvents(
  bus: EventBus,
  options: { types: readonly string[]; apply(event: EventEnvelope): Promise<void>; reload(): Promise<void>; resyncMs: number; log: Logger; what: string },
): () => void {
  const resync = () => void options.reload().catch((error: unknown) => options.log.error({ err: error }, `${options.what} reload failed`));
  const unsubscribe = bus.subscribe((event) => options.apply(event), { types: options.types, onGap: resync });
  const timer = setInterval(resync, options.resyncMs);
  timer.unref();
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
