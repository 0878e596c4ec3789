import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eq } from "drizzle-orm";
import { applyMigrations, connectDatabase, createLogger, type Database, type Logger } from "@repti/kit";
import { createTestDatabase } from "../../../../test/support/database.js";
import { parseMessage, startTestSmtpServer, type TestSmtpServer } from "../../../../test/support/smtp.js";
import { tables, type IdentityTables } from "../db/schema.js";
import { MailStore, type MailRecord } from "./mail.store.js";
import { createMailTransport, MailRelay, type MailTransport } from "./mailer.js";
import { mailTemplates, passwordChangedMail, passwordResetMail, verifyEmailMail, vivariumInvitationMail } from "./templates.js";

const log = createLogger("mail-test", "silent");
const migrations = fileURLToPath(new URL("../../../../migrations/identity", import.meta.url));

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database<IdentityTables>;
let store: MailStore;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseUrl"));
  db = connectDatabase({ url: database.url, poolMax: 6, applicationName: "mail-test" }, tables);
  await applyMigrations(db, { folder: migrations, schema: "identity", log });
  store = new MailStore(db);
});
afterAll(async () => {
  await db?.$client.end();
  await database?.drop();
});

/** A reset link with `=`, `&`, `-` and `_`, long enough that nodemailer quoted-printable-encodes its line. */
function longLink(): string {
  const base = "https://app.reptidex.dev/reset?token=abc_DEF-123&x=1&pad=";
  return base + "a1=b2&".repeat(20).slice(0, 150 - base.length);
}

/** A stand-in logger that keeps each call's arguments as JSON, to check what reaches the logs. */
function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(JSON.stringify(args));
  const fake = { info: record, warn: record, error: record, debug: record, trace: record, fatal: record, child: () => fake };
  return { log: fake as unknown as Logger, lines };
}

async function row(id: string): Promise<MailRecord> {
  const [found] = await db.select().from(tables.mailOutbox).where(eq(tables.mailOutbox.id, id));
  if (!found) throw new Error(`no mail ${id}`);
  return found;
}

async function enqueueCommitted(mail: Parameters<MailStore["enqueue"]>[1]): Promise<string> {
  return db.transaction((tx) => store.enqueue(tx, mail));
}

describe("templates", () => {
  it("produce plain text with the link on a line of its own", () => {
    const link = longLink();
    const reset = passwordResetMail({ to: "a@example.com", link, expiresInMinutes: 30 });
    expect(reset).toMatchObject({ recipient: "a@example.com", template: mailTemplates.passwordReset, subject: "Reset your ReptiDex password" });
    expect(reset.textBody.split("\n")).toContain(link);
    expect(reset.textBody).toContain("expires in 30 minutes");
    expect(verifyEmailMail({ to: "a@example.com", link }).textBody.split("\n")).toContain(link);
    expect(passwordChangedMail({ to: "a@example.com" }).template).toBe("password_changed");

    const invitation = vivariumInvitationMail({ to: "b@example.com", vivariumName: "  Gecko\r\nBcc: x@evil.test  ", link });
    expect(invitation.subject).toBe("You are invited to Gecko Bcc: x@evil.test on ReptiDex");
    expect(() => verifyEmailMail({ to: "a@example.com", link: "/verify?token=1" })).toThrow();
    expect(() => verifyEmailMail({ to: "a@example.com", link: "javascript:alert(1)" })).toThrow(/http/);
  });
});

describe("test SMTP message parsing", () => {
  it("decodes quoted-printable soft breaks, =3D and UTF-8 subjects", () => {
    const raw = Buffer.from(
      [
        "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= =?UTF-8?B?IGF1cw==?=",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "https://x.test/?a=3Db&c=3D=",
        "d  ",
        "caf=C3=A9",
        "",
      ].join("\r\n"),
    );
    expect(parseMessage(raw)).toMatchObject({ subject: "Grüße aus", text: "https://x.test/?a=b&c=d\ncafé\n" });
  });
});

describe("mail relay over SMTP", () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
  });

  it("delivers a committed mail with its link intact and never a rolled-back one", async () => {
    const transport = createMailTransport({ smtpUrl: smtp.url, from: "ReptiDex <no-reply@reptidex.dev>", log });
    expect(transport.name).toBe("smtp");
    // No poll is due for a minute: delivery comes from the commit's NOTIFY.
    const relay = new MailRelay({ store, transport, log, pollMs: 60_000 });
    await relay.start();
    try {
      const link = longLink();
      expect(link).toHaveLength(150);
      const mail = passwordResetMail({ to: "keeper@example.com", link, expiresInMinutes: 30 });
      const id = await enqueueCommitted(mail);
      await expect(
        db.transaction(async (tx) => {
          await store.enqueue(tx, passwordResetMail({ to: "ghost@example.com", link, expiresInMinutes: 30 }));
          throw new Error("half-way failure");
        }),
      ).rejects.toThrow("half-way failure");

      const received = await smtp.waitFor((message) => message.to.includes("keeper@example.com"));
      expect(received.subject).toBe("Reset your ReptiDex password");
      expect(received.from).toBe("no-reply@reptidex.dev");
      expect(received.headers["message-id"]).toBe(`<${id}@reptidex.dev>`);
      expect(received.text.split("\n")).toContain(link);
      expect(received.text).toBe(mail.textBody);
      // The long line really went over the wire quoted-printable, so the decoding above was exercised.
      expect(received.headers["content-transfer-encoding"]).toBe("quoted-printable");
      expect(received.raw).toContain("=3D");

      await expect.poll(async () => (await row(id)).sentAt, { timeout: 3_000 }).not.toBeNull();
      // Delivered: the reset link lives in the recipient's mailbox now, not in the database.
      expect(await row(id)).toMatchObject({ transport: "smtp", attempts: 1, lastError: null, textBody: "" });

      await relay.idle();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(smtp.messages.filter((message) => message.to.includes("ghost@example.com"))).toHaveLength(0);
      expect(await store.latestTo("ghost@example.com")).toBeUndefined();
    } finally {
      await relay.stop();
    }
  });

  it("records failures while the SMTP server is down and delivers once it is back on the same port", async () => {
    const down = await startTestSmtpServer();
    const port = down.port;
    await down.close();
    const transport = createMailTransport({ smtpUrl: down.url, from: "ReptiDex <no-reply@reptidex.dev>", log });
    const relay = new MailRelay({ store, transport, log, pollMs: 50, retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 1_000 });
    await relay.start();
    let back: TestSmtpServer | undefined;
    try {
      const id = await enqueueCommitted(passwordChangedMail({ to: "patient@example.com" }));
      await expect.poll(async () => (await row(id)).attempts, { timeout: 3_000 }).toBeGreaterThanOrEqual(2);
      const failed = await row(id);
      expect(failed.sentAt).toBeNull();
      expect(failed.lastError).toMatch(/ECONNECTION|ECONNREFUSED/);

      back = await startTestSmtpServer({ port });
      const received = await back.waitFor((message) => message.to.includes("patient@example.com"), 5_000);
      expect(received.subject).toBe("Your ReptiDex password was changed");
      await expect.poll(async () => (await row(id)).sentAt, { timeout: 3_000 }).not.toBeNull();
      const sent = await row(id);
      expect(sent.transport).toBe("smtp");
      expect(sent.attempts).toBeGreaterThan(failed.attempts);
      expect(back.messages.filter((message) => message.to.includes("patient@example.com"))).toHaveLength(1);
    } finally {
      await relay.stop();
      await back?.close();
    }
  });

  it("logs recipient, subject and template, never the body or its token", async () => {
    const recorded = recordingLogger();
    const transport = createMailTransport({ smtpUrl: smtp.url, from: "ReptiDex <no-reply@reptidex.dev>", log: recorded.log });
    const relay = new MailRelay({ store, transport, log: recorded.log, pollMs: 60_000 });
    await relay.start();
    try {
      const link = "https://app.reptidex.dev/reset?token=tok_SECRET_0123456789";
      const id = await enqueueCommitted(passwordResetMail({ to: "logged@example.com", link, expiresInMinutes: 30 }));
      await smtp.waitFor((message) => message.to.includes("logged@example.com"));
      await expect.poll(() => recorded.lines.some((line) => line.includes(id)), { timeout: 3_000 }).toBe(true);
      const sentLine = recorded.lines.find((line) => line.includes(id));
      expect(sentLine).toContain("logged@example.com");
      expect(sentLine).toContain("password_reset");
      expect(sentLine).toContain("Reset your ReptiDex password");
      expect(recorded.lines.join("\n")).not.toContain("tok_SECRET");
    } finally {
      await relay.stop();
    }
  });

  it("authenticates with credentials from the URL (percent-encoded)", async () => {
    const auth = { user: "relay@reptidex.dev", pass: "p@ss:w/rd%" };
    const secured = await startTestSmtpServer({ auth });
    const url = `smtp://${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@127.0.0.1:${secured.port}?secure=false&ignoreTLS=true`;
    const wrongUrl = `smtp://${encodeURIComponent(auth.user)}:nope@127.0.0.1:${secured.port}?ignoreTLS=true`;
    try {
      const transport = createMailTransport({ smtpUrl: url, from: "ReptiDex <no-reply@reptidex.dev>", log });
      await transport.send({ id: "00000000-0000-4000-8000-000000000001", ...passwordChangedMail({ to: "auth@example.com" }) });
      const received = await secured.waitFor((message) => message.to.includes("auth@example.com"));
      expect(received.user).toBe(auth.user);

      const wrong = createMailTransport({ smtpUrl: wrongUrl, from: "ReptiDex <no-reply@reptidex.dev>", log });
      await expect(wrong.send({ id: "00000000-0000-4000-8000-000000000002", ...passwordChangedMail({ to: "auth@example.com" }) })).rejects.toMatchObject({
        code: "EAUTH",
      });
    } finally {
      await secured.close();
    }
  });

  it("gives up on a mail after maxAttempts and keeps delivering the others", async () => {
    let calls = 0;
    const refusing: MailTransport = {
      name: "smtp",
      keepsSentBody: false,
      async send(mail) {
        calls += 1;
        if (mail.recipient === "refused@example.com") {
          throw Object.assign(new Error("Can't send mail - all recipients were rejected: 550 no such user"), {
            code: "EENVELOPE",
            responseCode: 550,
          });
        }
      },
    };
    const relay = new MailRelay({ store, transport: refusing, log, pollMs: 30, maxAttempts: 3 });
    await relay.start();
    try {
      const refused = await enqueueCommitted(passwordChangedMail({ to: "refused@example.com" }));
      const fine = await enqueueCommitted(passwordChangedMail({ to: "fine@example.com" }));
      await expect.poll(async () => (await row(fine)).sentAt, { timeout: 3_000 }).not.toBeNull();
      await expect.poll(async () => (await row(refused)).attempts, { timeout: 3_000 }).toBe(3);
      const before = calls;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(calls).toBe(before);
      // Given up: its link is not kept for a mail that will never go out.
      expect(await row(refused)).toMatchObject({ sentAt: null, attempts: 3, lastError: expect.stringMatching(/^EENVELOPE: .*550/), textBody: "" });
    } finally {
      await relay.stop();
    }
  });
});

describe("dev transport", () => {
  it("marks mail sent by 'dev' and keeps it readable as the development mailbox", async () => {
    const recorded = recordingLogger();
    const transport = createMailTransport({ from: "ReptiDex <no-reply@reptidex.dev>", log: recorded.log });
    expect(transport.name).toBe("dev");
    const relay = new MailRelay({ store, transport, log, pollMs: 60_000 });
    await relay.start();
    try {
      const link = longLink();
      const first = await db.transaction(async (tx) => {
        const id = await store.enqueue(tx, verifyEmailMail({ to: "dev@example.com", link }));
        await store.enqueue(tx, vivariumInvitationMail({ to: "dev@example.com", vivariumName: "Gecko Lab", link }));
        return id;
      });
      await expect.poll(async () => (await row(first)).sentAt, { timeout: 3_000 }).not.toBeNull();

      // Both mails of the transaction were claimed and marked in one relay transaction.
      const latest = await store.latestTo("dev@example.com");
      expect(latest).toMatchObject({ template: mailTemplates.vivariumInvitation, transport: "dev" });
      const verification = await store.latestTo("dev@example.com", mailTemplates.verifyEmail);
      expect(verification).toMatchObject({ id: first, transport: "dev", attempts: 1, subject: "Confirm your email address for ReptiDex" });
      expect(verification?.textBody.split("\n")).toContain(link);
      expect(await store.latestTo("dev@example.com", mailTemplates.passwordReset)).toBeUndefined();
      // The developer's mailbox: here, and only here, the body with its link is logged.
      expect(recorded.lines.some((line) => line.includes("dev mail") && line.includes("token=abc_DEF-123"))).toBe(true);
    } finally {
      await relay.stop();
    }
  });
});
