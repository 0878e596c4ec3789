import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds the format version into the tag, so a blob cannot be relabelled as a future version.
const AAD = Buffer.from(`repti-secret-box:${VERSION}`, "utf8");
const DEVELOPMENT_KEY_SEED = "repti-core development key — never use in production";
const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Authenticated encryption at rest for small secrets (TOTP secrets, private signing keys):
 * AES-256-GCM with a random 96-bit IV per seal, serialised as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  // An ES private field keeps the key out of util.inspect / console.log output.
  readonly #key: Buffer;

  constructor(keyBase64: string) {
    const trimmed = keyBase64.trim();
    // Buffer.from(…, "base64") silently skips junk characters, so check the alphabet before trusting the length.
    const key = STANDARD_BASE64.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      throw new Error(`SecretBox key must be standard base64 encoding exactly ${KEY_BYTES} bytes (got ${key.length} bytes)`);
    }
    this.#key = key;
  }

  /**
   * A fixed, publicly known key for development and tests when no key is configured.
   * Anything sealed with it is effectively plaintext; never use it in production.
   */
  static deriveDevelopmentKey(): string {
    return createHash("sha256").update(DEVELOPMENT_KEY_SEED, "utf8").digest("base64");
  }

  seal(plaintext: string): string {
    // Random IVs are safe for GCM up to ~2^32 seals per key, far beyond the volume of secrets stored here.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(AAD);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
  }

  /** Throws if the blob is malformed, was sealed under another key, or was altered in any way. */
  open(sealed: string): string {
    const parts = sealed.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new Error("Sealed secret has an unknown format or version");
    }
    const iv = decodeCanonical(parts[1] ?? "");
    const tag = decodeCanonical(parts[2] ?? "");
    const ciphertext = decodeCanonical(parts[3] ?? "");
    // Node accepts GCM tags as short as 4 bytes unless told otherwise; a short tag would be forgeable.
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) {
      throw new Error("Sealed secret is malformed");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(AAD);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      // Don't surface OpenSSL's wording; tamper and wrong key are indistinguishable by design.
      throw new Error("Sealed secret failed authentication (tampered, or sealed under a different key)");
    }
  }
}

/**
 * Decodes base64url, refusing non-canonical text: the decoder ignores stray characters and trailing
 * padding bits, so without this check some edits to the string would open to the same secret.
 */
function decodeCanonical(text: string): Buffer | null {
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : null;
}
