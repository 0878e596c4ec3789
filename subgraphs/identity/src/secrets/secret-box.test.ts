import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { SecretBox } from "./secret-box.js";

const key = () => randomBytes(32).toString("base64");

/** Flips one bit of the decoded bytes of part `index` and re-encodes, keeping the blob well-formed. */
function flipByte(sealed: string, index: number, byte = 0): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[index] ?? "", "base64url");
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  parts[index] = bytes.toString("base64url");
  return parts.join(".");
}

describe("SecretBox", () => {
  it("round-trips, including empty and non-ASCII plaintext", () => {
    const box = new SecretBox(key());
    for (const plaintext of ["JBSWY3DPEHPK3PXP", "", "clé privée — 🔑", "x".repeat(4096)]) {
      expect(box.open(box.seal(plaintext))).toBe(plaintext);
    }
  });

  it("emits the versioned format with a fresh IV each time", () => {
    const box = new SecretBox(key());
    const first = box.seal("same");
    const second = box.seal("same");
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
    expect(first).not.toBe(second);
  });

  it("detects tampering with the IV, the tag and the ciphertext", () => {
    const box = new SecretBox(key());
    const sealed = box.seal("a TOTP secret");
    for (const index of [1, 2, 3]) {
      expect(() => box.open(flipByte(sealed, index))).toThrow(/failed authentication/);
      expect(() => box.open(flipByte(sealed, index, 5))).toThrow(/failed authentication/);
    }
  });

  it("refuses any edit to the text, including ones base64 decoding would ignore", () => {
    const box = new SecretBox(key());
    const sealed = box.seal("a TOTP secret");
    const parts = sealed.split(".");
    // The tag's last character carries 4 padding bits; changing only those decodes to the same bytes.
    const tag = parts[2] ?? "";
    const last = tag.at(-1) ?? "A";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sameBytes = [...alphabet].find(
      (c) => c !== last && Buffer.from(tag.slice(0, -1) + c, "base64url").equals(Buffer.from(tag, "base64url")),
    );
    expect(sameBytes).toBeDefined();
    parts[2] = tag.slice(0, -1) + sameBytes;
    expect(() => box.open(parts.join("."))).toThrow(/malformed/);
    expect(() => box.open(`${sealed}=`)).toThrow();
    expect(() => box.open(sealed.replace("v1.", "v2."))).toThrow(/version/);
    expect(() => box.open(sealed.split(".").slice(0, 3).join("."))).toThrow(/format/);
  });

  it("refuses a truncated tag", () => {
    const box = new SecretBox(key());
    const parts = box.seal("secret").split(".");
    parts[2] = Buffer.from(parts[2] ?? "", "base64url").subarray(0, 4).toString("base64url");
    expect(() => box.open(parts.join("."))).toThrow(/malformed/);
  });

  it("fails under a different key", () => {
    const sealed = new SecretBox(key()).seal("private signing key");
    expect(() => new SecretBox(key()).open(sealed)).toThrow(/failed authentication/);
  });

  it("refuses keys that are not exactly 32 bytes of base64", () => {
    expect(() => new SecretBox(randomBytes(16).toString("base64"))).toThrow(/exactly 32 bytes/);
    expect(() => new SecretBox(randomBytes(33).toString("base64"))).toThrow(/exactly 32 bytes/);
    expect(() => new SecretBox("")).toThrow(/exactly 32 bytes/);
    expect(() => new SecretBox("not base64 at all, but long enough to decode to thirty-two bytes!!")).toThrow(/exactly 32 bytes/);
  });

  it("has a fixed development key that works", () => {
    const devKey = SecretBox.deriveDevelopmentKey();
    expect(devKey).toBe(SecretBox.deriveDevelopmentKey());
    expect(Buffer.from(devKey, "base64")).toHaveLength(32);
    const box = new SecretBox(devKey);
    expect(new SecretBox(devKey).open(box.seal("dev"))).toBe("dev");
  });

  it("does not reveal the key when inspected", async () => {
    const raw = randomBytes(32);
    const { inspect } = await import("node:util");
    const shown = inspect(new SecretBox(raw.toString("base64")), { showHidden: true, depth: 5 });
    expect(shown).not.toContain("Buffer");
    expect(shown).not.toContain(inspect(raw).slice(8, 30));
  });
});
