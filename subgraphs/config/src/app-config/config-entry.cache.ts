import type { EventBus, Logger } from "@repti/kit";
import { followEvents, HeldVersions } from "../read-model.js";
import { configUpdatedEvent, type ConfigUpdatedPayload } from "./config-entry.events.js";
import type { ConfigEntryRecord, ConfigEntryStore } from "./config-entry.store.js";

const slot = (environment: string, key: string) => `${environment}\u0000${key}`;

/**
 * The current app config of every environment in memory, so reads never wait on the database. Loaded at start and
 * kept coherent by `config.updated` events from any instance: an event names the key and its new version, and
 * the cache re-reads the key when it holds an older version. The writing instance applies its own write before
 * answering. A full reload after a bus gap and every `resyncMs` catches whatever an event could not deliver.
 */
export class ConfigCache {
  private readonly current = new Map<string, Map<string, ConfigEntryRecord>>();
  private readonly versions = new HeldVersions();

  constructor(
    private readonly store: ConfigEntryStore,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    for (const record of await this.store.allLatest()) this.apply(record);
  }

  /** Re-reads a key unless the cache already holds `version` of it (or a later one). */
  async refresh(key: string, environment: string, version: number): Promise<void> {
    if (!this.versions.isNewer(slot(environment, key), version)) return;
    const latest = await this.store.latest(key, environment);
    if (latest) this.apply(latest);
  }

  /** Takes a version the caller read or wrote, unless a later one is already held. */
  apply(record: ConfigEntryRecord): void {
    if (!this.versions.take(slot(record.environment, record.key), record.version)) return;
    let environment = this.current.get(record.environment);
    if (record.deleted) {
      environment?.delete(record.key);
      return;
    }
    if (!environment) this.current.set(record.environment, (environment = new Map()));
    environment.set(record.key, record);
  }

  /** The current entries of an environment, in key order. */
  forEnvironment(environment: string): ConfigEntryRecord[] {
    return [...(this.current.get(environment)?.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  entry(key: string, environment: string): ConfigEntryRecord | undefined {
    return this.current.get(environment)?.get(key);
  }

  /** Follows `config.updated` on the bus; returns how to stop. */
  follow(bus: EventBus, resyncMs: number): () => void {
    return followEvents(bus, {
      types: [configUpdatedEvent],
      apply: (event) => {
        const { key, environment, version } = event.payload as ConfigUpdatedPayload;
        return this.refresh(key, environment, version);
      },
      reload: () => this.load(),
      resyncMs,
      log: this.log,
      what: "config cache",
    });
  }
}
