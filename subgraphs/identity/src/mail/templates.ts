import type { MailMessage } from "./mail.store.js";

/** Template names as stored in `mail_outbox.template` (logs and the dev mailbox filter on them). */
export const mailTemplates = {
  verifyEmail: "verify_email",
  passwordReset: "password_reset",
  passwordChanged: "password_changed",
  vivariumInvitation: "vivarium_invitation",
} as const;

export type MailTemplate = (typeof mailTemplates)[keyof typeof mailTemplates];

const product = "ReptiDex";
const signature = `The ${product} team`;

/** A mail link is an absolute http(s) URL built from the configured public URL; anything else is a bug. */
function checkedLink(link: string): string {
  const url = new URL(link);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`mail link must be http(s): ${url.protocol}`);
  return link;
}

/** User-chosen text put into a subject: one line (no header tricks), bounded length. */
function oneLine(value: string, max = 100): string {
  const line = value.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function body(...paragraphs: string[]): string {
  return `${paragraphs.join("\n\n")}\n`;
}

export function verifyEmailMail(input: { to: string; link: string }): MailMessage {
  return {
    recipient: input.to,
    subject: `Confirm your email address for ${product}`,
    template: mailTemplates.verifyEmail,
    textBody: body(
      "Hello,",
      "Please confirm that this is your email address by opening this link:",
      checkedLink(input.link),
      `If you did not create a ${product} account, you can ignore this email.`,
      signature,
    ),
  };
}

export function passwordResetMail(input: { to: string; link: string; expiresInMinutes: number }): MailMessage {
  const minutes = input.expiresInMinutes === 1 ? "1 minute" : `${input.expiresInMinutes} minutes`;
  return {
    recipient: input.to,
    subject: `Reset your ${product} password`,
    template: mailTemplates.passwordReset,
    textBody: body(
      "Hello,",
      `Someone asked to reset the password of your ${product} account. To choose a new password, open this link:`,
      checkedLink(input.link),
      `The link works once and expires in ${minutes}.`,
      "If you did not ask for this, you can ignore this email: your password stays as it is.",
      signature,
    ),
  };
}

export function passwordChangedMail(input: { to: string }): MailMessage {
  return {
    recipient: input.to,
    subject: `Your ${product} password was changed`,
    template: mailTemplates.passwordChanged,
    textBody: body(
      "Hello,",
      `The password of your ${product} account was just changed.`,
      "If this was you, there is nothing more to do. If it was not, reset your password right away and contact us by replying to this email.",
      signature,
    ),
  };
}

export function vivariumInvitationMail(input: { to: string; vivariumName: string; link: string }): MailMessage {
  const name = oneLine(input.vivariumName);
  return {
    recipient: input.to,
    subject: `You are invited to ${name} on ${product}`,
    template: mailTemplates.vivariumInvitation,
    textBody: body(
      "Hello,",
      `You have been invited to join the vivarium "${name}" on ${product}. To accept the invitation, open this link:`,
      checkedLink(input.link),
      "If you were not expecting this invitation, you can ignore this email.",
      signature,
    ),
  };
}
