import { and, desc, eq, getTableColumns, inArray, lte, sql } from "drizzle-orm";
import { vivariumRoleAudit } from "../db/schema.js";
import type { Tx } from "../db/tenancy.js";

export type RoleAuditRecord = typeof vivariumRoleAudit.$inferSelect;
export type NewRoleAuditRecord = typeof vivariumRoleAudit.$inferInsert;

/** The only place that reads or writes `vivarium.vivarium_role_audit`; rows are only ever added. */
export class RoleAuditStore {
  async insert(tx: Tx, record: NewRoleAuditRecord & { id: string }): Promise<void> {
    // clock_timestamp(): several changes in one transaction (a transfer that also promotes) keep their order.
    await tx.insert(vivariumRoleAudit).values({ ...record, createdAt: sql`clock_timestamp()` });
  }

  async byId(tx: Tx, vivariumId: string, id: string): Promise<RoleAuditRecord | undefined> {
    const [row] = await tx.select().from(vivariumRoleAudit).where(and(eq(vivariumRoleAudit.id, id), eq(vivariumRoleAudit.vivariumId, vivariumId)));
    return row;
  }

  /** The newest `limit` changes of each of the given vivariums, newest first, in one statement. */
  async latestByVivariumIds(tx: Tx, vivariumIds: readonly string[], limit: number): Promise<RoleAuditRecord[]> {
    if (vivariumIds.length === 0) return [];
    const ranked = tx
      .select({
        ...getTableColumns(vivariumRoleAudit),
        position: sql<number>`row_number() over (partition by ${vivariumRoleAudit.vivariumId} order by ${vivariumRoleAudit.createdAt} desc, ${vivariumRoleAudit.id} desc)`.as("position"),
      })
      .from(vivariumRoleAudit)
      .where(inArray(vivariumRoleAudit.vivariumId, [...vivariumIds]))
      .as("ranked");
    const rows = await tx.select().from(ranked).where(lte(ranked.position, limit)).orderBy(desc(ranked.createdAt), desc(ranked.id));
    return rows.map(({ position: _position, ...change }) => change);
  }
}
