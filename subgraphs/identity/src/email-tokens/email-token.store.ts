import { and, eq, gt, isNull } from "drizzle-orm";
import type { Transaction } from "@repti/kit";
import { emailTokens, type IdentityTables } from "../db/schema.js";

type Tx = Transaction<IdentityTables>;
export type EmailTokenPurpose = (typeof emailTokens.$inferSelect)["purpose"];

/** The only place that reads or writes `identity.email_tokens`. */
export class EmailTokenStore {
  async insert(tx: Tx, token: typeof emailTokens.$inferInsert): Promise<void> {
    await tx.insert(emailTokens).values(token);
  }

  /** Retires a user's unused tokens of one purpose: only the newest mail's link works. */
  async retireUnused(tx: Tx, userId: string, purpose: EmailTokenPurpose, at: Date): Promise<void> {
    await tx
      .update(emailTokens)
      .set({ usedAt: at })
      .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
  }

  /** Marks a valid token used and returns its user; undefined when unknown, used (even concurrently) or expired. */
  async consume(tx: Tx, tokenHash: string, purpose: EmailTokenPurpose, at: Date): Promise<string | undefined> {
    const [row] = await tx
      .update(emailTokens)
      .set({ usedAt: at })
      .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, at)))
      .returning({ userId: emailTokens.userId });
    return row?.userId;
  }
}
