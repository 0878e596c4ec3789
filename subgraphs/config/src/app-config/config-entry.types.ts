import { Field, Int, ObjectType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { ConfigEntryRecord } from "./config-entry.store.js";

@ObjectType({ description: "One version of an app config value" })
export class ConfigEntry {
  @Field(() => String) key!: string;
  @Field(() => JSONScalar) value!: unknown;
  @Field(() => String) environment!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => DateTimeScalar) updatedAt!: Date;

  static from(record: ConfigEntryRecord): ConfigEntry {
    return Object.assign(new ConfigEntry(), {
      key: record.key,
      value: record.value,
      environment: record.environment,
      version: record.version,
      description: record.description,
      updatedAt: record.createdAt,
    });
  }
}
