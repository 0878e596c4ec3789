import { DomainError, isUuid, requireAdminOrScope, type AuthContext, type Outbox } from "@repti/kit";
import { isPlatformWriter, requirePlatformWriter } from "../access.js";
import type { ConfigCache } from "./config-entry.cache.js";
import { configUpdatedEvent, type ConfigChangeAction, type ConfigUpdatedPayload } from "./config-entry.events.js";
import type { ConfigEntryRecord, ConfigEntryStore } from "./config-entry.store.js";
import { checkValue, checkValueSchema } from "./value-schema.js";

/** Environment used when a caller names none. */
export const defaultEnvironment = "production";
/** Environments are open-ended (development, staging, production, preview-42...): any name of this shape. */
const environmentPattern = /^[a-z][a-z0-9-]{0,31}$/;
const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const maxValueBytes = 64 * 1024;
const maxDescriptionLength = 500;
const defaultHistoryLength = 50;
const maxHistoryLength = 200;

export interface SetConfigInput {
  key: string;
  value: unknown;
  environment?: string | null | undefined;
  /** Absent: kept from the current version; null: cleared. */
  description?: string | null | undefined;
  /** The version the caller last read (0: the key must not exist yet); CONFLICT when another write came first. */
  expectedVersion?: number | null | undefined;
  /** JSON Schema this and later values must satisfy. Absent: kept from the current version; null: removed. */
  valueSchema?: unknown;
}

const badInput = (field: string, message: string) => new DomainError("BAD_USER_INPUT", message, { field });

function checkEnvironment(environment: string | null | undefined): string {
  const name = environment ?? defaultEnvironment;
  if (!environmentPattern.test(name)) throw badInput("environment", "environment must be lower-case letters, digits and dashes (max 32)");
  return name;
}

function checkKey(key: string): string {
  if (!keyPattern.test(key)) throw badInput("key", "key must be 1-128 of letters, digits and . _ : -");
  return key;
}

function checkDescription(description: string | null): string | null {
  const trimmed = description?.trim() ?? "";
  if (trimmed.length > maxDescriptionLength) throw badInput("description", `description is longer than ${maxDescriptionLength} characters`);
  return trimmed === "" ? null : trimmed;
}

/**
 * App config: JSON values per key and environment, versioned (every write adds a version; a rollback is writing an
 * old value again). Reads come from the in-memory cache and are public: every client needs its config at start.
 * Writes are for platform admins and API keys holding `config.write`.
 */
export class ConfigEntryService {
  constructor(
    private readonly store: ConfigEntryStore,
    private readonly cache: ConfigCache,
    private readonly outbox: Outbox,
  ) {}

  appConfig(environment: string | null | undefined): ConfigEntryRecord[] {
    return this.cache.forEnvironment(checkEnvironment(environment));
  }

  entry(key: string, environment: string | null | undefined): ConfigEntryRecord | null {
    return this.cache.entry(checkKey(key), checkEnvironment(environment)) ?? null;
  }

  /** Every version of a key, newest first, deletions included (platform admins, or API keys with config.read). */
  async history(auth: AuthContext, key: string, environment: string | null | undefined, first: number | null): Promise<ConfigEntryRecord[]> {
    requireAdminOrScope(auth, "config.read", "config history");
    const limit = first ?? defaultHistoryLength;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxHistoryLength) throw badInput("first", `first must be between 1 and ${maxHistoryLength}`);
    return this.store.versions(checkKey(key), checkEnvironment(environment), limit);
  }

  /**
   * Who wrote a version, as the caller may see it: app config is public, but naming its authors (and through
   * identity their email and role) is for those who administer it.
   */
  authorVisibleTo(auth: AuthContext, userId: string | null): string | null {
    return isPlatformWriter(auth, "config.write") ? userId : null;
  }

  /** One version by its id, as `configChanged` announces it; public like the values themselves. */
  async version(id: string): Promise<ConfigEntryRecord | null> {
    return isUuid(id) ? ((await this.store.byId(id)) ?? null) : null;
  }

  async set(auth: AuthContext, input: SetConfigInput): Promise<ConfigEntryRecord> {
    const actor = requirePlatformWriter(auth, "config.write", "app config");
    const key = checkKey(input.key);
    const environment = checkEnvironment(input.environment);
    if (input.value === undefined || Buffer.byteLength(JSON.stringify(input.value)) > maxValueBytes) {
      throw badInput("value", `value must be JSON of at most ${maxValueBytes} bytes`);
    }
    if (input.expectedVersion != null && (!Number.isInteger(input.expectedVersion) || input.expectedVersion < 0)) {
      throw badInput("expectedVersion", "expectedVersion is a version number (0: the key must not exist yet)");
    }
    if (input.valueSchema != null) checkValueSchema(input.valueSchema);
    const description = input.description === undefined ? undefined : checkDescription(input.description);

    const written = await this.write(key, environment, "SET", actor.userId, (latest) => {
      const current = latest && !latest.deleted ? latest : undefined;
      if (input.expectedVersion != null && input.expectedVersion !== (current?.version ?? 0)) {
        throw new DomainError("CONFLICT", `${key} (${environment}) is at version ${current?.version ?? 0}, not ${input.expectedVersion}; read it again`, {
          currentVersion: current?.version ?? 0,
        });
      }
      const valueSchema = input.valueSchema === undefined ? (current?.valueSchema ?? null) : input.valueSchema;
      if (valueSchema !== null) checkValue(valueSchema, input.value);
      return {
        value: input.value,
        description: description === undefined ? (current?.description ?? null) : description,
        valueSchema,
        deleted: false,
        changedByApiKeyId: actor.apiKeyId,
      };
    });
    return written!;
  }

  /** Deletes a key (a version marked deleted, keeping the last value in history); false when there was none. */
  async delete(auth: AuthContext, key: string, environment: string | null | undefined): Promise<boolean> {
    const actor = requirePlatformWriter(auth, "config.write", "app config");
    const written = await this.write(checkKey(key), checkEnvironment(environment), "DELETED", actor.userId, (latest) =>
      !latest || latest.deleted
        ? undefined
        : { value: latest.value, description: latest.description, valueSchema: latest.valueSchema, deleted: true, changedByApiKeyId: actor.apiKeyId },
    );
    return written !== undefined;
  }

  /**
   * Adds the version `next` makes of the latest one (none when it answers undefined) under the key's lock, with
   * its `config.updated` event, and applies it to this instance's cache before answering (read-your-writes).
   */
  private async write(
    key: string,
    environment: string,
    action: ConfigChangeAction,
    changedByUserId: string,
    next: (latest: ConfigEntryRecord | undefined) => Pick<ConfigEntryRecord, "value" | "description" | "valueSchema" | "deleted" | "changedByApiKeyId"> | undefined,
  ): Promise<ConfigEntryRecord | undefined> {
    const written = await this.store.transaction(async (tx) => {
      await this.store.lockKey(tx, key, environment);
      const latest = await this.store.latest(key, environment, tx);
      const fields = next(latest);
      if (!fields) return undefined;
      const version = await this.store.insertVersion(tx, { key, environment, version: (latest?.version ?? 0) + 1, changedByUserId, ...fields });
      const payload: ConfigUpdatedPayload = { changeId: version.id, key, environment, version: version.version, action, changedByUserId };
      await this.outbox.enqueue(tx, { type: configUpdatedEvent, aggregateId: `${environment}:${key}`, payload });
      return version;
    });
    if (written) this.cache.apply(written);
    return written;
  }
}
