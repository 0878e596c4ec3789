import { randomBytes, timingSafeEqual } from "node:crypto";
import { HOTP, Secret, TOTP } from "otpauth";

// RFC 6238 defaults: the only parameters every authenticator app honours.
const ALGORITHM = "SHA1";
const DIGITS = 6;
const PERIOD_SECONDS = 30;
const SECRET_BYTES = 20;
// Wider windows make guessing easier and seldom help; refuse obviously wrong arguments.
const MAX_WINDOW = 10;
const CODE_FORMAT = /^[0-9]{6}$/;

/** A fresh TOTP secret: 160 random bits (RFC 4226's recommended length), base32 as apps expect. */
export function newTotpSecret(): string {
  // Copy into a fresh ArrayBuffer: a Buffer's .buffer may be a shared pool holding other bytes.
  return new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
}

/** The otpauth:// URI an authenticator app enrols from (usually shown as a QR code). */
export function totpUri(secret: string, accountEmail: string, issuer = "ReptiDex"): string {
  return new TOTP({
    issuer,
    label: accountEmail,
    secret: Secret.fromBase32(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

/**
 * Checks a code against the time steps within ±window of `nowMs` and returns the step it matched, or null.
 * Only steps after `lastAcceptedStep` count: the caller stores the returned step, so a code cannot be replayed
 * while it is still in the window, nor an older code used once a newer one has been accepted.
 */
export function matchTotp(secret: string, code: string, nowMs: number, lastAcceptedStep: number | null, window = 1): number | null {
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new Error(`TOTP window must be an integer from 0 to ${MAX_WINDOW}`);
  }
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new Error("TOTP time must be a non-negative, finite number of milliseconds");
  // Authenticator apps display "123 456"; users paste with stray whitespace.
  const candidate = code.replace(/\s+/g, "");
  if (!CODE_FORMAT.test(candidate)) return null;

  const key = Secret.fromBase32(secret);
  const presented = Buffer.from(candidate, "ascii");
  const current = Math.floor(nowMs / 1000 / PERIOD_SECONDS);
  let matched: number | null = null;
  // Every step in the window is computed and compared, so timing does not reveal which one matched.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(HOTP.generate({ secret: key, algorithm: ALGORITHM, digits: DIGITS, counter: step }), "ascii");
    const fresh = lastAcceptedStep === null || step > lastAcceptedStep;
    if (timingSafeEqual(presented, expected) && fresh && matched === null) matched = step;
  }
  return matched;
}
