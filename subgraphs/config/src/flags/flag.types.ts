import { Field, ID, Int, ObjectType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { FlagRecord } from "./flag.store.js";

@ObjectType({ description: "A feature flag and its targeting" })
export class FeatureFlag {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => Int) rolloutPercentage!: number;
  @Field(() => JSONScalar, { nullable: true }) conditions!: unknown;
  @Field(() => DateTimeScalar) updatedAt!: Date;

  static from(record: FlagRecord): FeatureFlag {
    return Object.assign(new FeatureFlag(), {
      id: record.id,
      name: record.name,
      description: record.description,
      enabled: record.enabled,
      rolloutPercentage: record.rolloutPercentage,
      conditions: record.conditions,
      updatedAt: record.updatedAt,
    });
  }
}
