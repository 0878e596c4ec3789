import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

/**
 * An API key is `rpk_<prefix>_<secret>`: the prefix (10 of [a-z0-9], ~52 bits) is stored in the clear and finds
 * the row; the secret (32 random bytes, base64url) is checked against a stored hash. The `rpk_` marker lets
 * secret scanners spot leaked keys and lets the gateway tell a key from a JWT.
 */
export const apiKeyMarker = "rpk_";
const prefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
const prefixLength = 10;
const keyPattern = /^rpk_([a-z0-9]{8,12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  prefix: string;
  secret: string;
}

export interface NewApiKey extends ParsedApiKey {
  /** The whole key, shown to its owner once. */
  key: string;
  secretHash: string;
}

export function generateApiKey(): NewApiKey {
  let prefix = "";
  for (let i = 0; i < prefixLength; i += 1) prefix += prefixAlphabet[randomInt(prefixAlphabet.length)];
  const secret = randomBytes(32).toString("base64url");
  return { key: `${apiKeyMarker}${prefix}_${secret}`, prefix, secret, secretHash: hashApiKeySecret(secret) };
}

/** The parts of a well-formed key; undefined for anything else. */
export function parseApiKey(presented: string): ParsedApiKey | undefined {
  const match = keyPattern.exec(presented);
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

/** How a key's prefix is shown (and accepted as an OAuth `client_id`). */
export const displayPrefix = (prefix: string) => `${apiKeyMarker}${prefix}`;

/**
 * SHA-256, not a password hash: the secret is 256 random bits, so no dictionary or brute force can reach it
 * and a slow hash would only slow every token exchange. What the hash protects against is a leaked table.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKeySecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
