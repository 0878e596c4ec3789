import { randomBytes } from "node:crypto";
import { DomainError, type Transaction } from "@repti/kit";
import type { IdentityTables } from "../db/schema.js";
import type { MailStore } from "../mail/mail.store.js";
import { passwordChangedMail, passwordResetMail, verifyEmailMail } from "../mail/templates.js";
import { hashToken } from "../sessions/refresh-token.js";
import type { UserRecord } from "../users/user.store.js";
import type { EmailTokenPurpose, EmailTokenStore } from "./email-token.store.js";

type Tx = Transaction<IdentityTables>;

export interface EmailTokenSettings {
  appUrl: string;
  verificationTtlSeconds: number;
  resetTtlSeconds: number;
}

/**
 * Single-use, expiring tokens delivered by email. The mail is queued in the caller's transaction, so it goes
 * out only if the change that asked for it commits; only the token's hash is stored.
 */
export class EmailTokenService {
  constructor(
    private readonly store: EmailTokenStore,
    private readonly mail: MailStore,
    private readonly settings: EmailTokenSettings,
  ) {}

  private async issue(tx: Tx, user: UserRecord, purpose: EmailTokenPurpose, ttlSeconds: number): Promise<string> {
    const now = new Date();
    const token = randomBytes(32).toString("base64url");
    await this.store.retireUnused(tx, user.id, purpose, now);
    await this.store.insert(tx, { userId: user.id, purpose, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + ttlSeconds * 1000) });
    return token;
  }

  private link(path: string, token: string): string {
    const url = new URL(path, this.settings.appUrl);
    url.searchParams.set("token", token);
    return url.toString();
  }

  async sendVerification(tx: Tx, user: UserRecord): Promise<void> {
    const token = await this.issue(tx, user, "verify_email", this.settings.verificationTtlSeconds);
    await this.mail.enqueue(tx, verifyEmailMail({ to: user.email, link: this.link("/verify-email", token) }));
  }

  async sendPasswordReset(tx: Tx, user: UserRecord): Promise<void> {
    const token = await this.issue(tx, user, "reset_password", this.settings.resetTtlSeconds);
    await this.mail.enqueue(
      tx,
      passwordResetMail({ to: user.email, link: this.link("/reset-password", token), expiresInMinutes: Math.round(this.settings.resetTtlSeconds / 60) }),
    );
  }

  async retireResetLinks(tx: Tx, userId: string): Promise<void> {
    await this.store.retireUnused(tx, userId, "reset_password", new Date());
  }

  async notifyPasswordChanged(tx: Tx, user: UserRecord): Promise<void> {
    await this.mail.enqueue(tx, passwordChangedMail({ to: user.email }));
  }

  /** The user a token was issued to, consuming it; BAD_USER_INPUT for anything unknown, used or expired. */
  async consume(tx: Tx, token: string, purpose: EmailTokenPurpose): Promise<string> {
    const userId = token.length <= 128 ? await this.store.consume(tx, hashToken(token), purpose, new Date()) : undefined;
    if (!userId) throw new DomainError("BAD_USER_INPUT", "This link is invalid, already used or expired", { field: "token" });
    return userId;
  }
}
