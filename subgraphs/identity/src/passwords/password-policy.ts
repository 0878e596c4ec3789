import { DomainError } from "@repti/kit";
import { commonPasswords } from "./common-passwords.js";
import { isGuessable, leetReadings } from "./guessability.js";

/** Why a password was refused; sent to clients as `extensions.reason` next to `field: "password"`. */
export type PasswordRejection = "too_short" | "too_long" | "common" | "contains_identity";

export interface PasswordPolicyOptions {
  /** In Unicode code points, after normalisation. NIST SP 800-63B: 15 when the password is the only factor. */
  minLength: number;
  /** In code points; NIST asks for at least 64 allowed. Longer passwords are refused, never truncated. */
  maxLength: number;
  /** Replaces the shipped blocklist (entries NFKC + lower case); for tests. */
  commonPasswords?: ReadonlySet<string>;
}

/** Who is choosing the password: their own email and names are the first guesses of a targeted attack. */
export interface PasswordContext {
  email?: string;
  firstName?: string | null;
  lastName?: string | null;
}

/**
 * NFKC, as NIST SP 800-63B asks, so that the same password typed on another keyboard or input method
 * ("ﬁ" vs "fi", fullwidth digits) measures and hashes the same. The hasher applies it too.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Length as people count it: code points, so an emoji or an astral-plane letter is one character. */
export function passwordLength(normalized: string): number {
  let count = 0;
  for (const _ of normalized) count++;
  return count;
}

const messages: Record<PasswordRejection, (policy: PasswordPolicy) => string> = {
  too_short: (policy) => `Password must be at least ${policy.minLength} characters long`,
  too_long: (policy) => `Password must be at most ${policy.maxLength} characters long`,
  common: () => "This password is too common or easy to guess; try a longer phrase of unrelated words",
  contains_identity: () => "Password must not be based on your email address or name",
};

/** Identity strings worth trying: the email, its local part and the pieces of it and of the names. */
function identityTokens(context: PasswordContext): string[] {
  const tokens = new Set<string>();
  const add = (raw: string | null | undefined) => {
    const value = raw?.normalize("NFKC").toLowerCase().trim();
    if (!value) return;
    const pieces = value.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    for (const candidate of [value, pieces.join(""), ...pieces]) {
      // One- and two-letter pieces ("jo", "li") would match inside almost anything.
      if (passwordLength(candidate) >= 3) tokens.add(candidate);
    }
  };
  const email = context.email?.trim();
  if (email) {
    const at = email.lastIndexOf("@");
    add(email);
    add(at > 0 ? email.slice(0, at) : email);
    // The domain's own name ("acme" in jo@mail.acme.com) but not its TLD.
    if (at > 0) email.slice(at + 1).split(".").slice(0, -1).forEach((label) => add(label));
  }
  add(context.firstName);
  add(context.lastName);
  return [...tokens];
}

/**
 * NIST SP 800-63B (Rev. 4) password rules: length in code points after NFKC, a configurable minimum, a
 * maximum of at least 64 and no truncation, no composition rules (they make passwords predictable, not
 * strong), and a refusal of passwords that are listed, predictably shaped, or built from the user's identity.
 */
export class PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  private readonly words: ReadonlySet<string>;

  constructor(options: PasswordPolicyOptions) {
    const { minLength, maxLength } = options;
    if (!Number.isInteger(minLength) || minLength < 8) throw new RangeError("PasswordPolicy: minLength must be an integer of at least 8 (NIST SP 800-63B)");
    if (!Number.isInteger(maxLength) || maxLength < 64) throw new RangeError("PasswordPolicy: maxLength must be an integer of at least 64 (NIST SP 800-63B)");
    if (maxLength < minLength) throw new RangeError("PasswordPolicy: maxLength is below minLength");
    this.minLength = minLength;
    this.maxLength = maxLength;
    // Loaded here rather than at the first sign-up, so a deployment without the data file fails at start.
    this.words = options.commonPasswords ?? commonPasswords();
  }

  /** The reason a password would be refused, or undefined when it is acceptable. */
  rejection(password: string, context: PasswordContext = {}): PasswordRejection | undefined {
    const normalized = normalizePassword(password);
    const length = passwordLength(normalized);
    if (length < this.minLength) return "too_short";
    if (length > this.maxLength) return "too_long";

    const lower = normalized.toLowerCase();
    const chars = Array.from(lower);
    if (chars.every((c) => c === chars[0])) return "common";
    if (this.isListed(lower)) return "common";
    if (isGuessable(lower, { words: this.words })) return "common";

    const identity = identityTokens(context);
    if (identity.length > 0 && isGuessable(lower, { words: this.words, identity })) return "contains_identity";
    const email = context.email?.normalize("NFKC").trim().toLowerCase();
    if (email && lower.includes(email)) return "contains_identity";
    return undefined;
  }

  /** A listed entry as typed, in a leet spelling, or with spaces between its words ("correct horse battery staple"). */
  private isListed(lower: string): boolean {
    const candidates = new Set([lower, lower.replace(/\s+/gu, "")]);
    for (const candidate of [...candidates]) {
      for (const reading of leetReadings(Array.from(candidate))) candidates.add(reading.join(""));
    }
    return [...candidates].some((candidate) => this.words.has(candidate));
  }

  /** Throws BAD_USER_INPUT with `{ field: "password", reason }` when the password is refused. */
  check(password: string, context: PasswordContext = {}): void {
    const reason = this.rejection(password, context);
    if (!reason) return;
    const limits = reason === "too_short" ? { minLength: this.minLength } : reason === "too_long" ? { maxLength: this.maxLength } : {};
    throw new DomainError("BAD_USER_INPUT", messages[reason](this), { field: "password", reason, ...limits });
  }
}
