import { randomUUID } from "node:crypto";
import { DomainError, isUuid, requireAdminOrScope, type AuthContext, type Outbox, type Transaction } from "@repti/kit";
import type { ConfigTables } from "../db/schema.js";
import { requirePlatformWriter, type Actor } from "../access.js";
import { parseConditions } from "./evaluation/conditions.js";
import { isContextFieldName } from "./evaluation/context.js";
import type { CatalogFlag, FlagCatalog } from "./flag.catalog.js";
import { flagEventTypes, type FlagChangeAction, type FlagChangedPayload } from "./flag.events.js";
import { definitionOf, overrideOf, snapshotOf, type FlagDefinition } from "./flag.snapshot.js";
import type { FlagChangeRecord, FlagOverrideRecord, FlagRecord, FlagStore, OverrideTarget } from "./flag.store.js";

/** Fields of a flag a caller sets; absent (or null, for the ones that cannot be empty) leaves a field as it is. */
export interface FlagDefinitionInput {
  description?: string | null | undefined;
  enabled?: boolean | null | undefined;
  rolloutPercentage?: number | null | undefined;
  conditions?: unknown;
  rolloutGroupId?: string | null | undefined;
  stickiness?: string | null | undefined;
}

export interface OverrideInput {
  userId?: string | null | undefined;
  vivariumId?: string | null | undefined;
}

/** URL-safe, as Unleash names flags, so a name moves between the two. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/;
const maxDescriptionLength = 500;
const maxGroupIdLength = 100;
const defaultHistoryLength = 50;
const maxHistoryLength = 200;

const newFlagDefaults: FlagDefinition = {
  description: null,
  enabled: false,
  rolloutPercentage: 100,
  conditions: [],
  rolloutGroupId: null,
  stickiness: "default",
};

/** Flag definitions (targeting rules included) are for platform admins; clients get evaluations instead. */
const requireFlagReader = (auth: AuthContext) => requireAdminOrScope(auth, "flag.read", "flag definitions");
const requireFlagWriter = (auth: AuthContext) => requirePlatformWriter(auth, "flag.write", "feature flags");

const badInput = (field: string, message: string) => new DomainError("BAD_USER_INPUT", message, { field });

function optionalText(field: string, value: string | null, maxLength: number): string | null {
  const trimmed = value?.trim() ?? "";
  if (trimmed.length > maxLength) throw badInput(field, `${field} is longer than ${maxLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw badInput(field, `${field} contains control characters`);
  return trimmed === "" ? null : trimmed;
}

/** The definition after applying a caller's input to `base`, every field validated. */
function applyInput(base: FlagDefinition, input: FlagDefinitionInput): FlagDefinition {
  const next = { ...base };
  if (input.description !== undefined) next.description = optionalText("description", input.description, maxDescriptionLength);
  if (input.enabled != null) next.enabled = input.enabled;
  if (input.rolloutPercentage != null) {
    if (!Number.isInteger(input.rolloutPercentage) || input.rolloutPercentage < 0 || input.rolloutPercentage > 100) {
      throw badInput("rolloutPercentage", "rolloutPercentage must be a whole number from 0 to 100");
    }
    next.rolloutPercentage = input.rolloutPercentage;
  }
  if (input.conditions !== undefined) next.conditions = parseConditions(input.conditions);
  if (input.rolloutGroupId !== undefined) next.rolloutGroupId = optionalText("rolloutGroupId", input.rolloutGroupId, maxGroupIdLength);
  if (input.stickiness != null) {
    if (input.stickiness !== "default" && (input.stickiness === "currentTime" || !isContextFieldName(input.stickiness))) {
      throw badInput("stickiness", "stickiness is `default` (userId, then vivariumId) or the name of a context field");
    }
    next.stickiness = input.stickiness;
  }
  return next;
}

/** The fields whose values differ (compared as JSON: conditions are data). */
function changedFields(before: FlagDefinition, after: FlagDefinition): Partial<FlagDefinition> {
  const changed: Partial<FlagDefinition> = {};
  for (const field of Object.keys(after) as (keyof FlagDefinition)[]) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) Object.assign(changed, { [field]: after[field] });
  }
  return changed;
}

function overrideTarget(input: OverrideInput): { target: OverrideTarget; targetId: string } {
  const { userId, vivariumId } = input;
  if ((userId == null) === (vivariumId == null)) throw badInput("userId", "Give exactly one of userId and vivariumId");
  const targetId = (userId ?? vivariumId)!;
  if (!isUuid(targetId)) throw badInput(userId != null ? "userId" : "vivariumId", "Not an id");
  return { target: userId != null ? "user" : "vivarium", targetId };
}

/** What a change did, for the history and the event; undefined when it changed nothing. */
type Tx = Transaction<ConfigTables>;

interface ChangeOutcome {
  action: FlagChangeAction;
  flag: FlagRecord;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/**
 * Flag definitions: reads from the in-memory catalog, writes in one transaction with their history row and their
 * event. A change that changes nothing (toggling to the current state) is not recorded or announced.
 */
export class FlagService {
  constructor(
    private readonly store: FlagStore,
    private readonly catalog: FlagCatalog,
    private readonly outbox: Outbox,
  ) {}

  list(auth: AuthContext): CatalogFlag[] {
    requireFlagReader(auth);
    return this.catalog.list();
  }

  byName(auth: AuthContext, name: string): CatalogFlag | null {
    requireFlagReader(auth);
    return this.catalog.named(name) ?? null;
  }

  overridesOf(flagId: string): readonly FlagOverrideRecord[] {
    return this.catalog.overridesOf(flagId);
  }

  async create(auth: AuthContext, name: string, input: FlagDefinitionInput): Promise<FlagRecord> {
    const actor = requireFlagWriter(auth);
    if (!namePattern.test(name)) throw badInput("name", "name must be 1-100 of letters, digits and . _ ~ - (starting with a letter or digit)");
    const definition = applyInput(newFlagDefaults, input);
    const flag = await this.store.transaction(async (tx) => {
      const created = await this.store.insert(tx, { name, ...definition });
      if (!created) throw new DomainError("CONFLICT", `A feature flag named ${name} already exists`);
      await this.record(tx, actor, { action: "CREATED", flag: created, before: null, after: definitionOf(created) });
      return created;
    });
    this.catalog.apply({ flag, overrides: [] });
    return flag;
  }

  /**
   * Changes the given fields. Any change of `enabled` is a toggle (`config.feature.toggled`), with or without other
   * fields: a consumer following toggles alone must see every switch on or off.
   */
  async update(auth: AuthContext, name: string, input: FlagDefinitionInput): Promise<FlagRecord> {
    const { flag } = await this.change(auth, name, async (tx, flag) => {
      const changes = changedFields(definitionOf(flag), applyInput(definitionOf(flag), input));
      const fields = Object.keys(changes);
      if (fields.length === 0) return undefined;
      const updated = await this.store.update(tx, flag.id, changes);
      const action = fields.includes("enabled") ? "TOGGLED" : "UPDATED";
      return { action, flag: updated, before: definitionOf(flag), after: definitionOf(updated) };
    });
    return flag;
  }

  toggle(auth: AuthContext, name: string, enabled: boolean): Promise<FlagRecord> {
    return this.update(auth, name, { enabled });
  }

  /** Archives the flag: it leaves every read and evaluation, its history stays, and its name is free again. */
  async archive(auth: AuthContext, name: string): Promise<void> {
    await this.change(auth, name, async (tx, flag) => {
      const archived = await this.store.update(tx, flag.id, { archivedAt: new Date() });
      return { action: "DELETED", flag: archived, before: definitionOf(flag), after: null };
    });
  }

  async setOverride(auth: AuthContext, name: string, input: OverrideInput, enabled: boolean): Promise<FlagRecord> {
    const { flag } = await this.change(auth, name, async (tx, flag) => {
      const { target, targetId } = overrideTarget(input);
      const existing = await this.store.override(tx, flag.id, target, targetId);
      if (existing?.enabled === enabled) return undefined;
      const saved = await this.store.putOverride(tx, flag.id, target, targetId, enabled);
      const bumped = await this.store.update(tx, flag.id, {});
      return { action: "OVERRIDDEN", flag: bumped, before: existing ? overrideOf(existing) : null, after: overrideOf(saved) };
    });
    return flag;
  }

  /** Removes an override; false when there was none. */
  async removeOverride(auth: AuthContext, name: string, input: OverrideInput): Promise<boolean> {
    const { changed } = await this.change(auth, name, async (tx, flag) => {
      const { target, targetId } = overrideTarget(input);
      const existing = await this.store.override(tx, flag.id, target, targetId);
      if (!existing) return undefined;
      await this.store.deleteOverride(tx, existing.id);
      return { action: "OVERRIDDEN", flag: await this.store.update(tx, flag.id, {}), before: overrideOf(existing), after: null };
    });
    return changed;
  }

  /** Changes to flags of that name, newest first (ADMIN or `flag.read`). */
  async history(auth: AuthContext, name: string, first: number | null): Promise<FlagChangeRecord[]> {
    requireFlagReader(auth);
    const limit = first ?? defaultHistoryLength;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxHistoryLength) throw badInput("first", `first must be between 1 and ${maxHistoryLength}`);
    return this.store.changesByName(name, limit);
  }

  async changeById(auth: AuthContext, id: string): Promise<FlagChangeRecord | null> {
    requireFlagReader(auth);
    return isUuid(id) ? ((await this.store.changeById(id)) ?? null) : null;
  }

  /**
   * Runs `apply` on the locked live flag; records and announces what it did, and puts the committed state (read
   * under the lock) into this instance's catalog before answering.
   */
  private async change(
    auth: AuthContext,
    name: string,
    apply: (tx: Tx, flag: FlagRecord) => Promise<ChangeOutcome | undefined>,
  ): Promise<{ flag: FlagRecord; changed: boolean }> {
    const actor = requireFlagWriter(auth);
    const result = await this.store.transaction(async (tx) => {
      const current = await this.store.lockLiveByName(tx, name);
      if (!current) throw new DomainError("NOT_FOUND", `Feature flag ${name} not found`);
      const outcome = await apply(tx, current);
      if (!outcome) return { state: undefined, flag: current };
      const [, overrides] = await Promise.all([this.record(tx, actor, outcome), this.store.overridesOf(tx, current.id)]);
      return { state: { flag: outcome.flag, overrides }, flag: outcome.flag };
    });
    if (result.state) this.catalog.apply(result.state);
    return { flag: result.flag, changed: result.state !== undefined };
  }

  /**
   * The history row and the event announcing it, sent together (one round trip, not two): the event names the
   * row by an id chosen here.
   */
  private async record(tx: Tx, actor: Actor, outcome: ChangeOutcome): Promise<void> {
    const { action, flag, before, after } = outcome;
    const changeId = randomUUID();
    const payload: FlagChangedPayload = {
      changeId,
      flagId: flag.id,
      name: flag.name,
      action,
      version: flag.version,
      enabled: flag.enabled,
      changedByUserId: actor.userId,
    };
    const recorded = this.store.recordChange(tx, {
      id: changeId,
      flagId: flag.id,
      flagName: flag.name,
      action,
      version: flag.version,
      flag: snapshotOf(flag),
      before,
      after,
      changedByUserId: actor.userId,
      changedByApiKeyId: actor.apiKeyId,
    });
    await Promise.all([recorded, this.outbox.enqueue(tx, { type: flagEventTypes[action], aggregateId: flag.id, payload })]);
  }
}
