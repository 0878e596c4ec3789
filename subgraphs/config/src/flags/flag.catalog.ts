import type { EventBus, Logger } from "@repti/kit";
import { followEvents, HeldVersions } from "../read-model.js";
import { parseConditions } from "./evaluation/conditions.js";
import type { FlagRules } from "./evaluation/evaluate.js";
import { flagEventTypes, type FlagChangedPayload } from "./flag.events.js";
import type { FlagOverrideRecord, FlagState, FlagStore } from "./flag.store.js";

/** A live flag as reads and evaluations see it: its row, its overrides, and its rules ready to evaluate. */
export interface CatalogFlag extends FlagState {
  rules: FlagRules;
}

/**
 * Every live flag in memory, so reads and evaluations never wait on the database. Loaded at start; kept coherent
 * by the flag events the outbox relays publish (from any instance): an event names the flag and its new version,
 * and the catalog re-reads that flag when it holds an older one. Versions make the order of events irrelevant,
 * and the instance that made a change applies it before answering, so it reads its own writes. A full reload
 * after a bus gap and every `resyncMs` catches whatever an event could not deliver.
 */
export class FlagCatalog {
  private readonly byName = new Map<string, CatalogFlag>();
  private readonly byId = new Map<string, CatalogFlag>();
  private readonly versions = new HeldVersions();

  constructor(
    private readonly store: FlagStore,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    for (const state of await this.store.allStates()) this.apply(state);
  }

  /** Re-reads a flag unless the catalog already holds `version` of it (or a later one). */
  async refresh(flagId: string, version: number): Promise<void> {
    if (!this.versions.isNewer(flagId, version)) return;
    const state = await this.store.stateById(flagId);
    if (state) this.apply(state);
  }

  list(): CatalogFlag[] {
    return [...this.byName.values()].sort((a, b) => (a.flag.name < b.flag.name ? -1 : a.flag.name > b.flag.name ? 1 : 0));
  }

  named(name: string): CatalogFlag | undefined {
    return this.byName.get(name);
  }

  overridesOf(flagId: string): readonly FlagOverrideRecord[] {
    return this.byId.get(flagId)?.overrides ?? [];
  }

  /** Follows flag events on the bus; returns how to stop. */
  follow(bus: EventBus, resyncMs: number): () => void {
    return followEvents(bus, {
      types: Object.values(flagEventTypes),
      apply: (event) => {
        const { flagId, version } = event.payload as FlagChangedPayload;
        return this.refresh(flagId, version);
      },
      reload: () => this.load(),
      resyncMs,
      log: this.log,
      what: "flag catalog",
    });
  }

  /** Takes a flag's state as a transaction committed it, unless a later version is already held. */
  apply(state: FlagState): void {
    const { flag } = state;
    if (!this.versions.take(flag.id, flag.version)) return;
    // Names are reused after archival: only the flag that holds a name may give it up.
    if (this.byName.get(flag.name)?.flag.id === flag.id) this.byName.delete(flag.name);
    this.byId.delete(flag.id);
    if (flag.archivedAt) return;
    const entry = { ...state, rules: this.rulesOf(state) };
    this.byName.set(flag.name, entry);
    this.byId.set(flag.id, entry);
  }

  private rulesOf({ flag, overrides }: FlagState): FlagRules {
    const byTarget = (target: string) => new Map(overrides.filter((override) => override.target === target).map((override) => [override.targetId, override.enabled]));
    let conditions: FlagRules["conditions"] = [];
    let enabled = flag.enabled;
    try {
      conditions = parseConditions(flag.conditions);
    } catch (error) {
      // Conditions are validated on every write; a row that still fails (edited by hand) keeps its flag off.
      this.log.error({ err: error, flag: flag.name }, "stored flag conditions are invalid; the flag evaluates as off");
      enabled = false;
    }
    return {
      name: flag.name,
      enabled,
      rolloutPercentage: flag.rolloutPercentage,
      conditions,
      rolloutGroupId: flag.rolloutGroupId,
      stickiness: flag.stickiness,
      userOverrides: byTarget("user"),
      vivariumOverrides: byTarget("vivarium"),
    };
  }
}
