import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import { User } from "../users/user.types.js";
import type { FlagChangeAction } from "./flag.events.js";
import { flagFromSnapshot } from "./flag.snapshot.js";
import type { FlagChangeRecord } from "./flag.store.js";
import { FeatureFlag } from "./flag.types.js";

export const FeatureFlagChangeAction: { [A in FlagChangeAction]: A } = {
  CREATED: "CREATED",
  UPDATED: "UPDATED",
  TOGGLED: "TOGGLED",
  DELETED: "DELETED",
  OVERRIDDEN: "OVERRIDDEN",
};
registerEnumType(FeatureFlagChangeAction, { name: "FeatureFlagChangeAction", description: "What a change did to a flag" });

@ObjectType({ description: "One change to a flag or its overrides: who, when, and the state before and after" })
export class FeatureFlagChange {
  @Field(() => ID) id!: string;
  @Field(() => FeatureFlagChangeAction) action!: FlagChangeAction;
  @Field(() => FeatureFlag, { description: "The flag as this change left it (as it was, for a deletion)" }) flag!: FeatureFlag;
  @Field(() => JSONScalar, { nullable: true, description: "The definition before (or, for OVERRIDDEN, the override); null for a creation" })
  before!: unknown;
  @Field(() => JSONScalar, { nullable: true, description: "The definition after (or, for OVERRIDDEN, the override); null for a deletion" })
  after!: unknown;
  @Field(() => User, { nullable: true, description: "Who made the change (an API key's owner when a key made it)" }) changedBy!: User | null;
  @Field(() => ID, { nullable: true, description: "The API key that made the change, if one did" }) changedByApiKeyId!: string | null;
  @Field(() => DateTimeScalar) at!: Date;

  static from(record: FlagChangeRecord): FeatureFlagChange {
    return Object.assign(new FeatureFlagChange(), {
      id: record.id,
      action: record.action as FlagChangeAction,
      flag: FeatureFlag.from(flagFromSnapshot(record.flag)),
      before: record.before,
      after: record.after,
      changedBy: User.ref(record.changedByUserId),
      changedByApiKeyId: record.changedByApiKeyId,
      at: record.changedAt,
    });
  }
}
