import { Field, ID, InputType, ObjectType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";

@InputType("EvaluationContext", {
  description:
    "What flags are evaluated for. Without one, the caller. Only platform admins and API keys with flag.read may name another user, role or time",
})
export class EvaluationContextInput {
  @Field(() => ID, { nullable: true }) userId?: string | null;
  @Field(() => ID, { nullable: true }) vivariumId?: string | null;
  @Field(() => String, { nullable: true }) environment?: string | null;
  @Field(() => String, { nullable: true }) platformRole?: string | null;
  @Field(() => String, { nullable: true }) subscriptionTier?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: "The moment DATE_AFTER/DATE_BEFORE compare with (default: now)" })
  currentTime?: Date | null;
  @Field(() => JSONScalar, { nullable: true, description: "Free context fields (strings, numbers, booleans), e.g. { appVersion: \"2.1.0\" }" })
  attributes?: unknown;
}

@ObjectType({ description: "A flag's answer for one context" })
export class FlagEvaluation {
  @Field(() => String) name!: string;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => String, { description: "DISABLED, OVERRIDE, RULE_MATCH, ROLLOUT or DEFAULT" }) reason!: string;
}
