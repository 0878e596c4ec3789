import nodemailer from "nodemailer";
import { NotifiedWorker, type Logger } from "@repti/kit";
import type { DeliveryOutcome, MailMessage, MailRecord, MailStore } from "./mail.store.js";

/** One queued mail as handed to a transport; `id` is the outbox row. */
export interface OutgoingMail extends MailMessage {
  id: string;
}

export interface MailTransport {
  readonly name: "smtp" | "dev";
  /**
   * Whether the outbox row keeps the body once sent. Bodies carry single-use links (password reset, invitations):
   * after real delivery the recipient's mailbox holds them and the database need not; the dev mailbox is the row.
   */
  readonly keepsSentBody: boolean;
  /** Resolves once the mail is handed over; rejects with the transport's error otherwise. */
  send(mail: OutgoingMail): Promise<void>;
}

export interface MailTransportOptions {
  /** e.g. `smtps://user:pass@smtp.example.com:465` or `smtp://127.0.0.1:1025?ignoreTLS=true`; unset in development. */
  smtpUrl?: string | undefined;
  /** The From header, e.g. `ReptiDex <no-reply@reptidex.dev>`. */
  from: string;
  log: Logger;
}

/** SMTP when a URL is configured, otherwise the development transport. */
export function createMailTransport(options: MailTransportOptions): MailTransport {
  return options.smtpUrl ? smtpTransport(options.smtpUrl, options.from, options.log) : devTransport(options.log);
}

function smtpTransport(smtpUrl: string, from: string, log: Logger): MailTransport {
  // The relay sends while holding the rows' locks, so a hung server must fail in seconds, not nodemailer's
  // default two minutes. Query parameters of the URL (nodemailer's URL options) override these.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const target = new URL(smtpUrl);
  // Host and port only: the URL may carry credentials.
  log.info({ transport: "smtp", host: target.hostname, port: target.port || undefined }, "mail is delivered over SMTP");
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? "reptidex.invalid";
  return {
    name: "smtp",
    keepsSentBody: false,
    async send(mail) {
      await transporter.sendMail({
        from,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.textBody,
        // Stable per outbox row: a mail sent twice (at-least-once relay) carries the same Message-ID.
        messageId: `<${mail.id}@${domain}>`,
      });
    },
  };
}

function devTransport(log: Logger): MailTransport {
  log.warn({ transport: "dev" }, "no SMTP_URL: mail is not delivered, only logged and kept in identity.mail_outbox");
  return {
    name: "dev",
    keepsSentBody: true,
    async send(mail) {
      // Development only: the log line and the outbox row are the developer's mailbox, so the body (with its
      // links and their tokens) is logged here. The SMTP transport never logs bodies.
      log.info(
        { mailId: mail.id, recipient: mail.recipient, subject: mail.subject, template: mail.template, textBody: mail.textBody },
        "dev mail (not delivered)",
      );
    },
  };
}

/**
 * A refusal of this one message (a 5xx reply to its envelope or data, or an envelope nodemailer rejects itself):
 * the transport works, other mails may go. Anything else (connection, timeout, TLS, auth, 4xx) means the
 * transport is failing as a whole.
 */
export function isMessageRejected(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, responseCode } = error as Error & { code?: unknown; responseCode?: unknown };
  if (code !== "EENVELOPE" && code !== "EMESSAGE") return false;
  return typeof responseCode !== "number" || responseCode >= 500;
}

/** The error's code and message only: never a serialized error object, which may carry arbitrary fields. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${error.message}` : error.message;
}

export interface MailRelayOptions {
  store: MailStore;
  transport: MailTransport;
  log: Logger;
  /** Fallback poll when a notification is missed (relay restart, dropped LISTEN connection). */
  pollMs: number;
  batchSize?: number;
  /** Failed deliveries after which a mail is given up (left unsent, with its last error). */
  maxAttempts?: number;
  /** First pause after the transport failed; it doubles with each failing drain, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Sends committed outbox mail through the transport, oldest first, at least once (a crash between sending and
 * committing sends again; the Message-ID stays the same). Shaped like kit's OutboxRelay: LISTEN for commits,
 * poll as a fallback, rows claimed with `FOR UPDATE SKIP LOCKED` so several instances can run it.
 *
 * When the transport fails as a whole the drain stops at that mail and the relay pauses with exponential backoff,
 * so an SMTP outage costs one attempt per pause rather than one per mail per poll. A mail the server refuses is
 * recorded and the drain goes on with the others. Either way a mail is given up after `maxAttempts`.
 */
export class MailRelay {
  private readonly worker: NotifiedWorker;
  private retryTimer: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private pausedUntil = 0;

  constructor(private readonly options: MailRelayOptions) {
    this.worker = new NotifiedWorker({
      name: "mail relay",
      log: options.log,
      pollMs: options.pollMs,
      listen: (onNotify) => options.store.listen(onNotify),
      drain: () => this.drain(),
      // Backing off after a transport failure: wakes wait for the retry timer.
      paused: () => Date.now() < this.pausedUntil,
    });
  }

  private get maxAttempts(): number {
    return this.options.maxAttempts ?? 10;
  }

  start(): Promise<void> {
    return this.worker.start();
  }

  wake(): void {
    this.worker.wake();
  }

  idle(): Promise<void> {
    return this.worker.idle();
  }

  async stop(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.worker.stop();
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 20;
    while (!this.worker.isStopped) {
      const result = await this.options.store.claimPending(batchSize, { maxAttempts: this.maxAttempts }, (mail) => this.deliver(mail));
      if (result.stopped) {
        this.pause();
        return;
      }
      this.consecutiveFailures = 0;
      // Go on only after a full batch that went out entirely: refused mails wait for the next wake, not a tight loop.
      if (result.claimed < batchSize || result.sent < result.claimed) return;
    }
  }

  private async deliver(mail: MailRecord): Promise<DeliveryOutcome> {
    const { transport, log } = this.options;
    const fields = { mailId: mail.id, recipient: mail.recipient, subject: mail.subject, template: mail.template, transport: transport.name };
    try {
      await transport.send({ id: mail.id, recipient: mail.recipient, subject: mail.subject, textBody: mail.textBody, template: mail.template });
      log.info(fields, "mail sent");
      return { status: "sent", transport: transport.name, keepBody: transport.keepsSentBody };
    } catch (error) {
      const rejected = isMessageRejected(error);
      const attempts = mail.attempts + 1;
      const failure = { ...fields, attempts, error: describeError(error) };
      const givingUp = attempts >= this.maxAttempts;
      if (givingUp) log.error(failure, "mail not sent; giving up");
      else log.warn(failure, rejected ? "mail refused; retrying later" : "mail transport failing; retrying later");
      return { status: "failed", error: describeError(error), stop: !rejected, keepBody: !givingUp || transport.keepsSentBody };
    }
  }

  private pause(): void {
    this.consecutiveFailures += 1;
    const base = this.options.retryBaseMs ?? 1_000;
    const delay = Math.min(base * 2 ** (this.consecutiveFailures - 1), this.options.retryMaxMs ?? 5 * 60_000);
    this.pausedUntil = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.pausedUntil = 0;
      this.worker.wake();
    }, delay);
  }
}
