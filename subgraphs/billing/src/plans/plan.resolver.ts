import { Ctx, Query, Resolver } from "type-graphql";
import type { BillingContext } from "../context.js";
import { Plan } from "./plan.types.js";

@Resolver(() => Plan)
export class PlanResolver {
  @Query(() => [Plan], { description: "The plans on offer, cheapest first" })
  async plans(@Ctx() { services }: BillingContext): Promise<Plan[]> {
    return (await services.plans.catalogue()).map(Plan.from);
  }
}
