import { createHmac, randomInt } from "node:crypto";

// Upper-case letters and digits minus the look-alikes 0/O, 1/I/L: 31 symbols, unambiguous when read aloud or typed.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const GROUP = 5;
const LENGTH = 10;

/**
 * Single-use recovery codes shaped "XXXXX-XXXXX". Each is 10 symbols drawn uniformly with randomInt
 * (no modulo bias): 10 × log2(31) ≈ 49.5 bits.
 */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error("Recovery code count must be an integer from 1 to 100");
  const codes = new Set<string>();
  // A collision among ~10 codes of ~2^49.5 is practically impossible; the Set just guarantees distinct codes.
  while (codes.size < count) {
    let raw = "";
    for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(`${raw.slice(0, GROUP)}-${raw.slice(GROUP)}`);
  }
  return [...codes];
}

/** The canonical form codes are hashed in: case, spaces and dashes are presentation only. */
export function normalizeRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, "");
}

/**
 * Stored form of a recovery code: HMAC-SHA-256 keyed with a server secret kept out of the database. The codes
 * are random (~49.5 bits), so no slow hash is needed against online guessing (which is rate limited), but
 * that is within reach of an offline search; the key makes a leaked table alone useless for one.
 */
export function hashRecoveryCode(code: string, key: Buffer): string {
  return createHmac("sha256", key).update(normalizeRecoveryCode(code), "utf8").digest("hex");
}
