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
