import type { PlanRecord, PlanStore } from "./plan.store.js";

/** The public plan catalogue: anyone may see what is on offer. */
export class PlanService {
  constructor(private readonly store: PlanStore) {}

  async catalogue(): Promise<PlanRecord[]> {
    return this.store.active();
  }
}
