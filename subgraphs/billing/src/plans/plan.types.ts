import { Field, ID, Int, ObjectType } from "type-graphql";
import { JSONScalar } from "@repti/kit";
import type { PlanRecord } from "./plan.store.js";

@ObjectType({ description: "A plan a vivarium can subscribe to" })
export class Plan {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "Stable handle, used as a vivarium's subscriptionTier" }) code!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) priceCents!: number;
  @Field(() => String) currency!: string;
  @Field(() => String) interval!: string;
  @Field(() => JSONScalar) entitlements!: unknown;

  static from(record: PlanRecord): Plan {
    return Object.assign(new Plan(), {
      id: record.id,
      code: record.code,
      name: record.name,
      priceCents: record.priceCents,
      currency: record.currency,
      interval: record.interval,
      entitlements: record.entitlements,
    });
  }
}
