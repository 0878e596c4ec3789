import { and, asc, count, eq, gt, inArray, isNull } from "drizzle-orm";
import { vivariumInvitations } from "../db/schema.js";
import type { Tx } from "../db/tenancy.js";

export type InvitationRecord = typeof vivariumInvitations.$inferSelect;
export type NewInvitationRecord = typeof vivariumInvitations.$inferInsert;

/** Open: neither accepted nor revoked, and not expired at `now`. */
const open = (now: Date) =>
  and(isNull(vivariumInvitations.acceptedAt), isNull(vivariumInvitations.revokedAt), gt(vivariumInvitations.expiresAt, now));

/** The only place that reads or writes `vivarium.vivarium_invitations`. */
export class InvitationStore {
  async insert(tx: Tx, record: NewInvitationRecord): Promise<InvitationRecord> {
    const [row] = await tx.insert(vivariumInvitations).values(record).returning();
    return row!;
  }

  /** Open invitations of the given vivariums, oldest first, in one statement. */
  async findOpenByVivariumIds(tx: Tx, vivariumIds: readonly string[], now: Date): Promise<InvitationRecord[]> {
    if (vivariumIds.length === 0) return [];
    return tx
      .select()
      .from(vivariumInvitations)
      .where(and(inArray(vivariumInvitations.vivariumId, [...vivariumIds]), open(now)))
      .orderBy(asc(vivariumInvitations.createdAt), asc(vivariumInvitations.id));
  }

  async countOpen(tx: Tx, vivariumId: string, now: Date): Promise<number> {
    const [row] = await tx.select({ n: count() }).from(vivariumInvitations).where(and(eq(vivariumInvitations.vivariumId, vivariumId), open(now)));
    return row?.n ?? 0;
  }

  async find(tx: Tx, id: string): Promise<InvitationRecord | undefined> {
    const [row] = await tx.select().from(vivariumInvitations).where(eq(vivariumInvitations.id, id));
    return row;
  }

  async findByTokenHash(tx: Tx, tokenHash: string): Promise<InvitationRecord | undefined> {
    const [row] = await tx.select().from(vivariumInvitations).where(eq(vivariumInvitations.tokenHash, tokenHash));
    return row;
  }

  /**
   * Locks an invitation that is still open at `now`, for the rest of the transaction; undefined once it was accepted,
   * revoked (a concurrent commit included) or expired.
   */
  async lockOpen(tx: Tx, id: string, now: Date): Promise<InvitationRecord | undefined> {
    const [row] = await tx.select().from(vivariumInvitations).where(and(eq(vivariumInvitations.id, id), open(now))).for("update");
    return row;
  }

  /** Revokes whatever invitation to `email` is still unanswered (expired ones too), so a new one can take its place. */
  async revokeUnanswered(tx: Tx, vivariumId: string, email: string, now: Date): Promise<void> {
    await tx
      .update(vivariumInvitations)
      .set({ revokedAt: now })
      .where(
        and(
          eq(vivariumInvitations.vivariumId, vivariumId),
          eq(vivariumInvitations.email, email),
          isNull(vivariumInvitations.acceptedAt),
          isNull(vivariumInvitations.revokedAt),
        ),
      );
  }

  async markRevoked(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.update(vivariumInvitations).set({ revokedAt: now }).where(eq(vivariumInvitations.id, id));
  }

  async markAccepted(tx: Tx, id: string, userId: string, now: Date): Promise<void> {
    await tx.update(vivariumInvitations).set({ acceptedAt: now, acceptedByUserId: userId }).where(eq(vivariumInvitations.id, id));
  }
}
