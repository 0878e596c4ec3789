import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { FlagOverrideRecord, FlagRecord } from "./flag.store.js";

@ObjectType({ description: "A feature flag and its targeting" })
export class FeatureFlag {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Boolean, { description: "The kill switch: off means off for everyone, overrides included" }) enabled!: boolean;
  @Field(() => Int, { description: "Share of callers (0-100) the flag is on for, bucketed as Unleash's flexible rollout" })
  rolloutPercentage!: number;
  @Field(() => JSONScalar, { nullable: true, description: "Unleash strategy constraints; all must hold" }) conditions!: unknown;
  @Field(() => String, { nullable: true, description: "Unleash's groupId: flags sharing one bucket the same callers together (default: the name)" })
  rolloutGroupId!: string | null;
  @Field(() => String, { description: "The context field that buckets callers: `default` (userId, then vivariumId) or a field name" })
  stickiness!: string;
  @Field(() => Int, { description: "Raised by every change to the flag or its overrides" }) version!: number;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) updatedAt!: Date;

  static from(record: FlagRecord): FeatureFlag {
    return Object.assign(new FeatureFlag(), {
      id: record.id,
      name: record.name,
      description: record.description,
      enabled: record.enabled,
      rolloutPercentage: record.rolloutPercentage,
      conditions: record.conditions,
      rolloutGroupId: record.rolloutGroupId,
      stickiness: record.stickiness,
      version: record.version,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}

@ObjectType({ description: "A flag forced on or off for one user or one vivarium" })
export class FeatureFlagOverride {
  @Field(() => ID, { nullable: true }) userId!: string | null;
  @Field(() => ID, { nullable: true }) vivariumId!: string | null;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => DateTimeScalar) updatedAt!: Date;

  static from(record: FlagOverrideRecord): FeatureFlagOverride {
    return Object.assign(new FeatureFlagOverride(), {
      userId: record.target === "user" ? record.targetId : null,
      vivariumId: record.target === "vivarium" ? record.targetId : null,
      enabled: record.enabled,
      updatedAt: record.updatedAt,
    });
  }
}

@InputType({ description: "A new flag; it starts off unless `enabled` says otherwise" })
export class CreateFeatureFlagInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) enabled?: boolean | null;
  @Field(() => Int, { nullable: true, defaultValue: 100 }) rolloutPercentage?: number | null;
  @Field(() => JSONScalar, { nullable: true }) conditions?: unknown;
  @Field(() => String, { nullable: true }) rolloutGroupId?: string | null;
  @Field(() => String, { nullable: true, defaultValue: "default" }) stickiness?: string | null;
}

@InputType({ description: "Fields to change; an omitted field stays as it is, a null description, group or conditions is cleared" })
export class UpdateFeatureFlagInput {
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Boolean, { nullable: true }) enabled?: boolean | null;
  @Field(() => Int, { nullable: true }) rolloutPercentage?: number | null;
  @Field(() => JSONScalar, { nullable: true }) conditions?: unknown;
  @Field(() => String, { nullable: true }) rolloutGroupId?: string | null;
  @Field(() => String, { nullable: true }) stickiness?: string | null;
}

@InputType({ description: "Exactly one of userId and vivariumId" })
export class FeatureFlagOverrideInput {
  @Field(() => ID, { nullable: true }) userId?: string | null;
  @Field(() => ID, { nullable: true }) vivariumId?: string | null;
  @Field(() => Boolean) enabled!: boolean;
}
