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

/**
 * The version a read model holds of each item (deleted and archived ones included), so neither a late event nor
 * an older read ever replaces a newer state: versions make the order of arrival irrelevant.
 */
export class HeldVersions {
  private readonly held = new Map<string, number>();

  /** Whether `version` is newer than what is held of `id` (worth reading). */
  isNewer(id: string, version: number): boolean {
    return version > (this.held.get(id) ?? 0);
  }

  /** Holds `version` of `id` if it is newer; answers whether it was. */
  take(id: string, version: number): boolean {
    if (!this.isNewer(id, version)) return false;
    this.held.set(id, version);
    return true;
  }
}
