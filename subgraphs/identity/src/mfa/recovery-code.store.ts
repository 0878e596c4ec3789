import { and, eq, isNull } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { recoveryCodes, type IdentityTables } from "../db/schema.js";

/** The only place that reads or writes `identity.recovery_codes`. */
export class RecoveryCodeStore {
  constructor(private readonly db: Database<IdentityTables>) {}

  async replace(tx: Transaction<IdentityTables>, userId: string, codeHashes: readonly string[]): Promise<void> {
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    if (codeHashes.length > 0) await tx.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
  }

  /** Uses a code once: false when unknown or already used (even by a concurrent request). */
  async consume(userId: string, codeHash: string): Promise<boolean> {
    const rows = await this.db
      .update(recoveryCodes)
      .set({ usedAt: new Date() })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
      .returning({ id: recoveryCodes.id });
    return rows.length === 1;
  }
}
