import type { RequestContext } from "@repti/kit";
import type { PlanService } from "./plans/plan.service.js";

export interface BillingServices {
  plans: PlanService;
}

export type BillingContext = RequestContext<BillingServices>;
