import { describe, expect, it } from "vitest";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";

const key = Buffer.alloc(32, 7);

const FORMAT = /^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/;

describe("recovery codes", () => {
  it("generates 10 distinct, well-formed codes by default", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(FORMAT);
  });

  it("never uses ambiguous characters and honours the count", () => {
    const codes = generateRecoveryCodes(100);
    expect(codes).toHaveLength(100);
    expect(codes.join("")).not.toMatch(/[01OIL]/);
    expect(() => generateRecoveryCodes(0)).toThrow();
    expect(() => generateRecoveryCodes(1.5)).toThrow();
  });

  it("hashes the same code identically whatever its case, spacing and dashes", () => {
    expect(hashRecoveryCode("abcde-fghjk", key)).toBe(hashRecoveryCode("ABCDEFGHJK", key));
    expect(hashRecoveryCode(" abcde fghjk ", key)).toBe(hashRecoveryCode("ABCDE-FGHJK", key));
    expect(hashRecoveryCode("ABCDEFGHJK", key)).toMatch(/^[0-9a-f]{64}$/);
    expect(normalizeRecoveryCode("abcde - fghjk")).toBe("ABCDEFGHJK");
  });

  it("hashes different codes differently", () => {
    const [a, b] = generateRecoveryCodes(2);
    expect(hashRecoveryCode(a ?? "", key)).not.toBe(hashRecoveryCode(b ?? "", key));
    expect(hashRecoveryCode("ABCDEFGHJK", key)).not.toBe(hashRecoveryCode("ABCDEFGHJM", key));
  });
});

describe("recovery code key", () => {
  it("a different server key gives a different stored form", () => {
    expect(hashRecoveryCode("ABCDEFGHJK", key)).not.toBe(hashRecoveryCode("ABCDEFGHJK", Buffer.alloc(32, 8)));
  });
});
