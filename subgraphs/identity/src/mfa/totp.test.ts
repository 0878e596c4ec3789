import { describe, expect, it } from "vitest";
import { HOTP, Secret, TOTP, URI } from "otpauth";
import { matchTotp, newTotpSecret, totpUri } from "./totp.js";

// RFC 6238 Appendix B: the SHA1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = Secret.fromLatin1("12345678901234567890").base32;
const codeAt = (secret: string, step: number) =>
  HOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, counter: step });
const at = (step: number) => step * 30_000 + 1_000;

describe("RFC 6238 Appendix B (SHA1)", () => {
  it("reproduces the 8-digit vector, confirming the secret and time handling", () => {
    expect(TOTP.generate({ secret: Secret.fromBase32(RFC_SECRET), algorithm: "SHA1", digits: 8, period: 30, timestamp: 59_000 })).toBe(
      "94287082",
    );
  });

  it.each([
    [59, "287082", 1],
    [1_111_111_109, "081804", 37_037_036],
    [1_234_567_890, "005924", 41_152_263],
    [2_000_000_000, "279037", 66_666_666],
  ])("accepts the 6-digit code at t=%i", (seconds, code, step) => {
    expect(matchTotp(RFC_SECRET, code, seconds * 1000, null, 0)).toBe(step);
  });
});

describe("matchTotp", () => {
  const secret = newTotpSecret();
  const now = 100_000;

  it("accepts codes one step either side and refuses two steps away", () => {
    for (const offset of [-1, 0, 1]) expect(matchTotp(secret, codeAt(secret, now + offset), at(now), null)).toBe(now + offset);
    for (const offset of [-2, 2]) {
      const code = codeAt(secret, now + offset);
      // Skip the astronomically unlikely case of the same code occurring within the window.
      if ([-1, 0, 1].some((o) => codeAt(secret, now + o) === code)) continue;
      expect(matchTotp(secret, code, at(now), null)).toBeNull();
    }
  });

  it("honours a wider window when asked", () => {
    expect(matchTotp(secret, codeAt(secret, now - 2), at(now), null, 2)).toBe(now - 2);
  });

  it("refuses a replay, and an older code once a newer one is accepted", () => {
    const code = codeAt(secret, now);
    const accepted = matchTotp(secret, code, at(now), null);
    expect(accepted).toBe(now);
    expect(matchTotp(secret, code, at(now), accepted)).toBeNull();
    // Still inside the window 30 s later, but already used.
    expect(matchTotp(secret, code, at(now + 1), accepted)).toBeNull();
    expect(matchTotp(secret, codeAt(secret, now - 1), at(now), accepted)).toBeNull();
    expect(matchTotp(secret, codeAt(secret, now + 1), at(now), accepted)).toBe(now + 1);
  });

  it("tolerates spaces but refuses anything that is not exactly six digits", () => {
    const code = codeAt(secret, now);
    expect(matchTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, at(now), null)).toBe(now);
    for (const bad of ["", "12345", "1234567", "12345a", "-12345", "１２３４５６", "123\u0000456", `${code}0`, code.slice(1)]) {
      expect(matchTotp(secret, bad, at(now), null)).toBeNull();
    }
  });

  it("does not look at steps before the epoch", () => {
    expect(matchTotp(RFC_SECRET, codeAt(RFC_SECRET, 0), 0, null)).toBe(0);
  });

  it("refuses nonsensical arguments", () => {
    expect(() => matchTotp(secret, "123456", Number.NaN, null)).toThrow();
    expect(() => matchTotp(secret, "123456", at(now), null, -1)).toThrow();
    expect(() => matchTotp(secret, "123456", at(now), null, 1.5)).toThrow();
  });
});

describe("secrets and URIs", () => {
  it("generates distinct 160-bit base32 secrets", () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(a).bytes).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(a);
  });

  it("builds an otpauth URI an app can parse back", () => {
    const secret = newTotpSecret();
    const uri = totpUri(secret, "keeper@example.com");
    expect(uri.startsWith("otpauth://totp/")).toBe(true);
    const parsed = URI.parse(uri);
    expect(parsed).toBeInstanceOf(TOTP);
    const totp = parsed as TOTP;
    expect(totp.issuer).toBe("ReptiDex");
    expect(totp.label).toBe("keeper@example.com");
    expect(totp.secret.base32).toBe(secret);
    expect([totp.algorithm, totp.digits, totp.period]).toEqual(["SHA1", 6, 30]);
    expect(URI.parse(totpUri(secret, "a@b.c", "Other")).issuer).toBe("Other");
  });
});
