import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKeySecret, parseApiKey, secretMatches } from "./api-key.secret.js";
import { apiKeyScopes, roleMayGrant } from "./api-key.scopes.js";

describe("API key format", () => {
  it("generates rpk_<prefix>_<secret> keys that parse back to their parts", () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^rpk_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(generated.key)).toEqual({ prefix: generated.prefix, secret: generated.secret });
    expect(Buffer.from(generated.secret, "base64url")).toHaveLength(32);
  });

  it("draws a different key every time", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    const prefixes = new Set([...keys].map((key) => parseApiKey(key)!.prefix));
    expect(keys.size).toBe(200);
    expect(prefixes.size).toBe(200);
  });

  it("parses nothing that is not a whole key", () => {
    const { key, prefix, secret } = generateApiKey();
    for (const bad of ["", "rpk_", `rpk_${prefix}`, `${key}x`, key.slice(0, -1), `xpk_${prefix}_${secret}`, `rpk_${prefix.toUpperCase()}_${secret}`, ` ${key}`, `rpk_abc_${secret}`]) {
      expect(parseApiKey(bad), bad).toBeUndefined();
    }
    // The secret may itself contain underscores; the prefix never does.
    expect(parseApiKey(`rpk_abcdefghij_${"_".repeat(43)}`)).toEqual({ prefix: "abcdefghij", secret: "_".repeat(43) });
  });

  it("stores a SHA-256 of the secret and compares in constant time", () => {
    const { secret, secretHash } = generateApiKey();
    expect(secretHash).toBe(hashApiKeySecret(secret));
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretHash).not.toContain(secret);
    expect(secretMatches(secret, secretHash)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}A`, secretHash)).toBe(secret.endsWith("A"));
    expect(secretMatches(secret, "abcd")).toBe(false);
  });
});

describe("API key scopes", () => {
  it("lists each scope once; users may grant only the ones that need no admin", () => {
    expect(new Set(apiKeyScopes).size).toBe(apiKeyScopes.length);
    expect(apiKeyScopes.filter((scope) => roleMayGrant("USER", scope))).toEqual(["config.read", "auth.introspect"]);
    expect(apiKeyScopes.every((scope) => roleMayGrant("ADMIN", scope))).toBe(true);
  });
});
