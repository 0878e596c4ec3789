import { asc, eq } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { plans, type BillingTables } from "../db/schema.js";

export type PlanRecord = typeof plans.$inferSelect;
export type NewPlanRecord = typeof plans.$inferInsert;

/** The only place that reads or writes `billing.plans`. */
export class PlanStore {
  constructor(private readonly db: Database<BillingTables>) {}

  async active(): Promise<PlanRecord[]> {
    return this.db.select().from(plans).where(eq(plans.isActive, true)).orderBy(asc(plans.priceCents), asc(plans.code));
  }

  async insertIfAbsent(records: NewPlanRecord[]): Promise<void> {
    await this.db.insert(plans).values(records).onConflictDoNothing();
  }
}
