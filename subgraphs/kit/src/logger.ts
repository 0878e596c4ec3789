import { DrizzleQueryError } from "drizzle-orm/errors";
import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON logs on stdout. Credentials never reach a log line: the paths below are censored wherever they appear.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "password",
        "*.password",
        "*.newPassword",
        "*.currentPassword",
        "token",
        "*.token",
        "*.refreshToken",
        "*.secret",
        "req.headers.authorization",
        "req.headers['x-api-key']",
        "req.headers.cookie",
        "headers.authorization",
        "headers['x-api-key']",
      ],
      censor: "[redacted]",
    },
  });
}

/**
 * An error as it may be logged: a failed Drizzle query carries its bound parameters in its message (password
 * hashes, emails, mail bodies with links), so only the statement and the driver's error are kept.
 */
export function loggableError(error: unknown): unknown {
  const wrapped = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
  if (wrapped instanceof DrizzleQueryError) return { type: "DrizzleQueryError", query: wrapped.query, cause: wrapped.cause };
  return error;
}
