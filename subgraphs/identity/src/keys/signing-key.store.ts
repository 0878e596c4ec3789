import { and, asc, gt, gte, lte, or, sql } from "drizzle-orm";
import type { Database } from "@repti/kit";
import { signingKeys, type IdentityTables } from "../db/schema.js";

export type SigningKeyRecord = typeof signingKeys.$inferSelect;
export type NewSigningKeyRecord = typeof signingKeys.$inferInsert;

/** The only place that reads or writes `identity.signing_keys`. */
export class SigningKeyStore {
  constructor(private readonly db: Database<IdentityTables>) {}

  /** Keys whose public half may still verify a token, oldest first. */
  async unexpired(now: Date): Promise<SigningKeyRecord[]> {
    return this.db.select().from(signingKeys).where(gt(signingKeys.expiresAt, now)).orderBy(asc(signingKeys.activatesAt));
  }

  /**
   * Adds a key unless another instance already added one activating at or after the same moment: instances
   * race to rotate, and a transaction-scoped advisory lock lets exactly one win.
   */
  async insertUnlessScheduled(record: NewSigningKeyRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('repti-identity:signing-key'))`);
      // Taken: a key that signs at the new key's start, or one scheduled to retire no earlier.
      const scheduled = await tx
        .select({ kid: signingKeys.kid })
        .from(signingKeys)
        .where(
          or(
            gte(signingKeys.retiresAt, record.retiresAt),
            and(lte(signingKeys.activatesAt, record.activatesAt), gt(signingKeys.retiresAt, record.activatesAt)),
          ),
        )
        .limit(1);
      if (scheduled.length === 0) await tx.insert(signingKeys).values(record);
    });
  }
}
