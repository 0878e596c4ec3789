import { DomainError } from "./errors.js";

/**
 * local@domain.tld with none of the characters mail software reads as address syntax (`<a@evil>x.com` or
 * `x,a@evil.com` would be delivered somewhere other than what is stored).
 */
const emailPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** Whether an already trimmed, lower-cased string is an address we store (without throwing). */
export function isEmailAddress(email: string): boolean {
  return email.length <= 254 && emailPattern.test(email);
}

/** Trimmed and lower-cased: the one form stored, compared and rate-limited on; BAD_USER_INPUT for anything else. */
export function normalizeEmail(raw: string, field = "email"): string {
  const email = raw.trim().toLowerCase();
  if (!isEmailAddress(email)) {
    throw new DomainError("BAD_USER_INPUT", "Enter a valid email address", { field });
  }
  return email;
}
