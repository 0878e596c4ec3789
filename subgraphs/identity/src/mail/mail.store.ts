import { and, asc, desc, eq, isNull, lt, sql } from "drizzle-orm";
import type { Database, Transaction } from "@repti/kit";
import { mailOutbox, type IdentityTables } from "../db/schema.js";

export type MailRecord = typeof mailOutbox.$inferSelect;
type Tx = Transaction<IdentityTables>;

/** What a template produces and what the outbox keeps. */
export interface MailMessage {
  recipient: string;
  subject: string;
  textBody: string;
  template: string;
}

/** What the relay reports for one claimed mail. */
export type DeliveryOutcome =
  | { status: "sent"; transport: string; keepBody: boolean }
  /**
   * `stop`: the transport itself is failing, so the rest of the batch is left untouched for later. `keepBody` false:
   * this was the last attempt, and the body (its single-use link) is not kept for a mail that will never be sent.
   */
  | { status: "failed"; error: string; stop: boolean; keepBody: boolean };

export interface ClaimResult {
  claimed: number;
  sent: number;
  failed: number;
  /** A delivery asked to stop: the transport is failing as a whole. */
  stopped: boolean;
}

/** Committed mail wakes the relay on this channel (NOTIFY is transactional, like the insert). */
export const mailChannel = "repti_mail_identity";

/** Long SMTP replies (or stack-ish messages) are cut so a failing row stays small. */
const maxErrorLength = 1_000;

/** The only place that reads or writes `identity.mail_outbox`. */
export class MailStore {
  constructor(private readonly db: Database<IdentityTables>) {}

  /**
   * Queues a mail in the caller's transaction: it exists, and is sent, only if the change that caused it commits.
   */
  async enqueue(tx: Tx, mail: MailMessage): Promise<string> {
    return (await this.enqueueOnce(tx, mail, undefined))!;
  }

  /**
   * Queues a mail unless one with the same idempotency key was queued before (a redelivered event); answers the
   * new mail's id, or undefined when it was already queued.
   */
  async enqueueOnce(tx: Tx, mail: MailMessage, idempotencyKey: string | undefined): Promise<string | undefined> {
    const [row] = await tx
      .insert(mailOutbox)
      .values({
        recipient: mail.recipient,
        subject: mail.subject,
        textBody: mail.textBody,
        template: mail.template,
        idempotencyKey,
        // now() is the transaction's start: several mails of one transaction would tie and lose their order.
        createdAt: sql`clock_timestamp()`,
      })
      .onConflictDoNothing({ target: mailOutbox.idempotencyKey })
      .returning({ id: mailOutbox.id });
    if (row) await tx.execute(sql`select pg_notify(${mailChannel}, '')`);
    return row?.id;
  }

  /**
   * Claims up to `limit` unsent mails, oldest first, and hands each to `deliver` while their rows stay locked
   * (`FOR UPDATE SKIP LOCKED`: several relays share the outbox without sending a row twice in the normal case).
   * Each outcome is recorded in the same transaction; a crash before commit leaves the rows unsent, so they
   * are sent again (at least once). Rows that reached `maxAttempts` failed deliveries are no longer claimed.
   */
  async claimPending(
    limit: number,
    options: { maxAttempts: number },
    deliver: (mail: MailRecord) => Promise<DeliveryOutcome>,
  ): Promise<ClaimResult> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(mailOutbox)
        .where(and(isNull(mailOutbox.sentAt), lt(mailOutbox.attempts, options.maxAttempts)))
        .orderBy(asc(mailOutbox.createdAt), asc(mailOutbox.id))
        .limit(limit)
        .for("update", { skipLocked: true });
      const result: ClaimResult = { claimed: rows.length, sent: 0, failed: 0, stopped: false };
      for (const row of rows) {
        const outcome = await deliver(row);
        if (outcome.status === "sent") {
          await tx
            .update(mailOutbox)
            .set({ sentAt: new Date(), transport: outcome.transport, attempts: sql`${mailOutbox.attempts} + 1`, ...(outcome.keepBody ? {} : { textBody: "" }) })
            .where(eq(mailOutbox.id, row.id));
          result.sent += 1;
        } else {
          await tx
            .update(mailOutbox)
            .set({ attempts: sql`${mailOutbox.attempts} + 1`, lastError: outcome.error.slice(0, maxErrorLength), ...(outcome.keepBody ? {} : { textBody: "" }) })
            .where(eq(mailOutbox.id, row.id));
          result.failed += 1;
          if (outcome.stop) {
            result.stopped = true;
            break;
          }
        }
      }
      return result;
    });
  }

  /** The newest mail to a recipient (optionally of one template): the development mailbox, and tests. */
  async latestTo(recipient: string, template?: string): Promise<MailRecord | undefined> {
    const conditions = [eq(mailOutbox.recipient, recipient)];
    if (template !== undefined) conditions.push(eq(mailOutbox.template, template));
    const [row] = await this.db
      .select()
      .from(mailOutbox)
      .where(and(...conditions))
      .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
      .limit(1);
    return row;
  }

  /** Subscribes to commit notifications; resolves to the unsubscribe function. */
  async listen(onNotify: () => void): Promise<() => Promise<void>> {
    const listener = await this.db.$client.listen(mailChannel, onNotify);
    return () => listener.unlisten();
  }
}
