import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { ConfigChangeAction as Action } from "./config-entry.events.js";
import type { ConfigEntryRecord } from "./config-entry.store.js";

@ObjectType({ description: "One version of an app config value" })
export class ConfigEntry {
  @Field(() => String) key!: string;
  @Field(() => JSONScalar) value!: unknown;
  @Field(() => String) environment!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "JSON Schema (2020-12) the value satisfies" }) valueSchema!: unknown;
  @Field(() => Boolean, { description: "This version deleted the key (history only; `value` is the last one it had)" }) deleted!: boolean;
  /** Resolved by `ConfigEntryResolver.changedBy`: app config is public, its authors are not. */
  changedByUserId!: string | null;
  @Field(() => DateTimeScalar) updatedAt!: Date;

  static from(record: ConfigEntryRecord): ConfigEntry {
    return Object.assign(new ConfigEntry(), {
      key: record.key,
      value: record.value,
      environment: record.environment,
      version: record.version,
      description: record.description,
      valueSchema: record.valueSchema,
      deleted: record.deleted,
      changedByUserId: record.changedByUserId,
      updatedAt: record.createdAt,
    });
  }
}

export const ConfigChangeAction: { [A in Action]: A } = { SET: "SET", DELETED: "DELETED" };
registerEnumType(ConfigChangeAction, { name: "ConfigChangeAction", description: "What a change did to a config key" });

@ObjectType({ description: "One change to an app config key: the version it wrote" })
export class ConfigChange {
  @Field(() => ID) id!: string;
  @Field(() => ConfigChangeAction) action!: Action;
  @Field(() => String) key!: string;
  @Field(() => String) environment!: string;
  @Field(() => Int) version!: number;
  @Field(() => ConfigEntry) entry!: ConfigEntry;
  /** Resolved by `ConfigChangeResolver.changedBy`, as for `ConfigEntry`. */
  changedByUserId!: string | null;
  @Field(() => DateTimeScalar) at!: Date;

  static from(record: ConfigEntryRecord): ConfigChange {
    return Object.assign(new ConfigChange(), {
      id: record.id,
      action: record.deleted ? "DELETED" : "SET",
      key: record.key,
      environment: record.environment,
      version: record.version,
      entry: ConfigEntry.from(record),
      changedByUserId: record.changedByUserId,
      at: record.createdAt,
    });
  }
}

@InputType({ description: "A new version of a config value" })
export class SetConfigInput {
  @Field(() => String) key!: string;
  @Field(() => JSONScalar) value!: unknown;
  @Field(() => String, { nullable: true, description: "Default production" }) environment?: string | null;
  @Field(() => String, { nullable: true, description: "Omitted: kept from the current version; null: cleared" }) description?: string | null;
  @Field(() => Int, { nullable: true, description: "The version you read (0: the key must not exist); CONFLICT when it moved on" })
  expectedVersion?: number | null;
  @Field(() => JSONScalar, { nullable: true, description: "JSON Schema (2020-12) for this and later values. Omitted: kept; null: removed" })
  valueSchema?: unknown;
}
