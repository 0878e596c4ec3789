import type { ConfidentialPart, Database, EventBus, EventEnvelope, Logger } from "@repti/kit";
import type { IdentityTables } from "../db/schema.js";
import type { MailStore } from "./mail.store.js";
import { vivariumInvitationMail } from "./templates.js";

/** vivarium announces an invitation with what the mail needs; the token, confidential, only to be mailed. */
export const memberInvitedEvent = "org.member.invited";

interface InvitationPayload extends ConfidentialPart {
  invitationId?: unknown;
  email?: unknown;
  vivariumName?: unknown;
}

/**
 * Mails vivarium's invitations (`org.member.invited`) through identity's mail outbox, so they go out like every
 * other mail: queued in a transaction, relayed at least once, over SMTP or to the development mailbox. Every
 * instance hears every event, and events may come twice: the invitation id is the mail's idempotency key, so
 * each invitation is queued once.
 */
export class InvitationMailer {
  constructor(private readonly deps: { db: Database<IdentityTables>; mail: MailStore; appUrl: string; log: Logger }) {}

  follow(bus: EventBus): () => void {
    return bus.subscribe((event) => this.send(event), { types: [memberInvitedEvent] });
  }

  async send(event: EventEnvelope): Promise<void> {
    const { invitationId, email, vivariumName, confidential } = (event.payload ?? {}) as InvitationPayload;
    const token = confidential?.token;
    if (typeof invitationId !== "string" || typeof email !== "string" || typeof vivariumName !== "string" || typeof token !== "string") {
      this.deps.log.warn({ eventId: event.id }, "invitation event without an id, address, name or token; no mail sent");
      return;
    }
    const link = new URL("/invitations/accept", this.deps.appUrl);
    link.searchParams.set("token", token);
    const message = vivariumInvitationMail({ to: email, vivariumName, link: link.toString() });
    await this.deps.db.transaction((tx) => this.deps.mail.enqueueOnce(tx, message, `invitation:${invitationId}`));
  }
}
