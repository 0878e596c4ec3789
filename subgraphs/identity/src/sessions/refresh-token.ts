import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh, random refresh token: the root of a session's family. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * A rotated token's child is derived from it with a server secret rather than drawn at random, so the
 * immediate predecessor, presented again within the grace window (a retry, a second tab), yields the very
 * same child without the child ever being stored in the clear.
 */
export function childRefreshToken(secret: Buffer, parent: string): string {
  return createHmac("sha256", secret).update(`refresh-child:${parent}`).digest("base64url");
}

/** Stored form of a high-entropy token: SHA-256 suffices (no slow hash needed against 256-bit secrets). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
