import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Envelope sender (MAIL FROM); empty for the null sender. */
  from: string;
  /** Decoded Subject header. */
  subject: string;
  /** Decoded text/plain body, line breaks as "\n". */
  text: string;
  /** The user that authenticated, when the server required it. */
  user: string | undefined;
  /** Unfolded top-level headers, names in lower case (last one wins). */
  headers: Record<string, string>;
  /** The message as received, for assertions on the wire format. */
  raw: string;
}

export interface TestSmtpServer {
  /** A URL nodemailer accepts for this server (`nodemailer.createTransport(url)`). */
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** The first message (already received or arriving within `timeoutMs`) that matches. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (no TLS) that keeps what it receives. `port` restarts it where an earlier
 * instance listened, so a transport configured for that URL finds it again; `auth` makes it require those
 * credentials (AUTH PLAIN/LOGIN over plain text, which is fine on loopback).
 */
export async function startTestSmtpServer(options: { port?: number; auth?: { user: string; pass: string } } = {}): Promise<TestSmtpServer> {
  const auth = options.auth;
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(attempt, _session, callback) {
      if (auth && attempt.username === auth.user && attempt.password === auth.pass) callback(null, { user: attempt.username });
      else callback(new Error("Invalid username or password"));
    },
    // Do not wait the default 30 s for clients that keep a connection open when a test closes the server.
    closeTimeout: 200,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", callback);
      stream.on("end", () => {
        try {
          const parsed = parseMessage(Buffer.concat(chunks));
          messages.push({
            ...parsed,
            to: session.envelope.rcptTo.map((address) => address.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            user: typeof session.user === "string" ? session.user : undefined,
          });
          for (const notify of waiters) notify();
          callback();
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    // smtp:// is plain SMTP; ignoreTLS keeps nodemailer from trying STARTTLS should a server offer it.
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    port,
    messages,
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise<ReceivedMail>((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(onMessage);
          resolve(found);
          return true;
        };
        const onMessage = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(onMessage);
          const seen = messages.map((mail) => `${mail.to.join(",")}: ${mail.subject}`).join("; ") || "none";
          reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(onMessage);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ParsedPart {
  headers: Record<string, string>;
  body: string;
}

/**
 * Just enough MIME for the mail we send: headers (unfolded, RFC 2047 words decoded), a text/plain body in
 * 7bit/8bit, quoted-printable (soft breaks, =XX) or base64, and the first text/plain part of a multipart.
 * nodemailer picks quoted-printable for text with lines over 76 characters, base64 when most of it is non-Latin.
 * The message is handled as latin1 so every byte survives until the declared charset decodes it.
 */
export function parseMessage(raw: Buffer): Omit<ReceivedMail, "to" | "from" | "user"> {
  const rawText = raw.toString("latin1");
  const top = splitPart(rawText);
  const text = textOf(top);
  return { headers: top.headers, subject: decodeWords(top.headers.subject ?? ""), text, raw: raw.toString("utf8") };
}

function splitPart(source: string): ParsedPart {
  const match = /\r?\n\r?\n/.exec(source);
  const head = match ? source.slice(0, match.index) : source;
  const body = match ? source.slice(match.index + match[0].length) : "";
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function parameter(headerValue: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(headerValue);
  return match ? (match[1] ?? match[2]) : undefined;
}

function textOf(part: ParsedPart): string {
  const contentType = part.headers["content-type"] ?? "text/plain; charset=us-ascii";
  if (/^multipart\//i.test(contentType)) {
    const boundary = parameter(contentType, "boundary");
    if (!boundary) throw new Error("multipart message without boundary");
    // Parts sit between `--boundary` lines; the CRLF before each delimiter belongs to the delimiter.
    for (const section of part.body.split(`--${boundary}`).slice(1)) {
      if (section.startsWith("--")) break;
      const child = splitPart(section.replace(/^[ \t]*\r?\n/, "").replace(/\r?\n$/, ""));
      const childType = child.headers["content-type"] ?? "text/plain";
      if (/^(text\/plain|multipart\/)/i.test(childType)) return textOf(child);
    }
    throw new Error("multipart message without a text/plain part");
  }
  if (!/^text\/plain/i.test(contentType)) throw new Error(`unexpected content type: ${contentType}`);
  const bytes = decodeTransfer(part.body, part.headers["content-transfer-encoding"] ?? "7bit");
  return decodeCharset(bytes, parameter(contentType, "charset") ?? "us-ascii").replace(/\r\n/g, "\n");
}

function decodeTransfer(body: string, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case "quoted-printable":
      return decodeQuotedPrintable(body);
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64");
    default:
      return Buffer.from(body, "latin1");
  }
}

/** RFC 2045 §6.7: `=` at a line end is a soft break (removed), `=XX` one byte; trailing spaces were padding. */
function decodeQuotedPrintable(body: string): Buffer {
  const joined = body.replace(/[ \t]+(?=\r?\n)/g, "").replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(joined.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  const label = charset.trim().toLowerCase();
  return new TextDecoder(label === "us-ascii" ? "utf-8" : label).decode(bytes);
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=`, `=?utf-8?B?...?=`); whitespace between adjacent words is dropped. */
function decodeWords(value: string): string {
  // Headers were read as latin1; any raw 8-bit bytes in them are UTF-8 (encoded words themselves are ASCII).
  const header = Buffer.from(value, "latin1").toString("utf8");
  return header
    .replace(/(\?=)\s+(?==\?)/g, "$1")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, charset: string, kind: string, text: string) => {
      const bytes = kind.toUpperCase() === "B" ? Buffer.from(text, "base64") : decodeQuotedPrintable(text.replace(/_/g, "=20"));
      // A language tag may follow the charset (`utf-8*en`).
      return decodeCharset(bytes, charset.replace(/\*.*$/, ""));
    });
}
