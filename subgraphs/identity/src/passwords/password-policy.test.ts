import { describe, expect, it } from "vitest";
import { DomainError } from "@repti/kit";
import { commonPasswords, parseCommonPasswords } from "./common-passwords.js";
import { normalizePassword, passwordLength, PasswordPolicy, type PasswordContext, type PasswordRejection } from "./password-policy.js";

const policy = new PasswordPolicy({ minLength: 15, maxLength: 256 });
/** The settings allow a minimum down to 8; list hits on short entries are only reachable there. */
const lenient = new PasswordPolicy({ minLength: 8, maxLength: 64 });

/** Deterministic random-looking text: no words, walks or sequences a policy could object to. */
function noise(length: number, seed = 7): string {
  const alphabet = "bcdfghjkmnpqrstvwxz23456789#%&*=?";
  let state = seed;
  let out = "";
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[state % alphabet.length];
  }
  return out;
}

function rejectionOf(p: PasswordPolicy, password: string, context?: PasswordContext): PasswordRejection | undefined {
  try {
    p.check(password, context);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const domain = error as DomainError;
    expect(domain.code).toBe("BAD_USER_INPUT");
    expect(domain.details.field).toBe("password");
    return domain.details.reason as PasswordRejection;
  }
}

describe("normalizePassword", () => {
  it("applies NFKC: ligatures, fullwidth forms and composed accents", () => {
    expect(normalizePassword("ﬁsh")).toBe("fish");
    expect(normalizePassword("１２３ＡＢＣ")).toBe("123ABC");
    expect(normalizePassword("A\u030A")).toBe("\u00C5");
  });

  it("counts code points, not UTF-16 units", () => {
    expect(passwordLength("🦎")).toBe(1);
    expect("🦎".length).toBe(2);
    expect(passwordLength("a🦎b")).toBe(3);
  });
});

describe("PasswordPolicy length", () => {
  it("refuses 14 code points and accepts 15", () => {
    expect(rejectionOf(policy, noise(14))).toBe("too_short");
    expect(rejectionOf(policy, noise(15))).toBeUndefined();
  });

  it("counts an emoji as one character (UTF-16 length would pass 14 code points)", () => {
    const thirteenPlusEmoji = noise(13) + "🦎";
    expect(thirteenPlusEmoji.length).toBe(15);
    expect(rejectionOf(policy, thirteenPlusEmoji)).toBe("too_short");
    expect(rejectionOf(policy, noise(14) + "🦎")).toBeUndefined();
  });

  it("measures after NFKC (a ligature becomes two letters)", () => {
    expect(rejectionOf(policy, noise(13) + "ﬁ")).toBeUndefined();
  });

  it("reports the limit with the reason", () => {
    expect(() => policy.check(noise(10))).toThrow(expect.objectContaining({ details: { field: "password", reason: "too_short", minLength: 15 } }));
    expect(() => policy.check(noise(257))).toThrow(expect.objectContaining({ details: { field: "password", reason: "too_long", maxLength: 256 } }));
  });

  it("accepts 64 and 256 characters and refuses one more than the maximum", () => {
    expect(rejectionOf(lenient, noise(64))).toBeUndefined();
    expect(rejectionOf(lenient, noise(65))).toBe("too_long");
    expect(rejectionOf(policy, noise(256))).toBeUndefined();
    expect(rejectionOf(policy, noise(257))).toBe("too_long");
  });

  it("honours a configured minimum", () => {
    const sixteen = new PasswordPolicy({ minLength: 16, maxLength: 64 });
    expect(rejectionOf(sixteen, noise(15))).toBe("too_short");
    expect(rejectionOf(sixteen, noise(16))).toBeUndefined();
  });

  it("refuses limits NIST does not allow", () => {
    expect(() => new PasswordPolicy({ minLength: 7, maxLength: 64 })).toThrow(RangeError);
    expect(() => new PasswordPolicy({ minLength: 15, maxLength: 63 })).toThrow(RangeError);
    expect(() => new PasswordPolicy({ minLength: 80, maxLength: 64 })).toThrow(RangeError);
  });
});

describe("PasswordPolicy composition", () => {
  it("imposes no composition rules: lower-case phrases and non-Latin scripts are fine", () => {
    for (const password of ["my ball python basks at noon", "gpu-lantern-oyster-fjord", "пароль-для-ящерицы", "蛇は日向ぼっこが大好きです。本当に"]) {
      expect(rejectionOf(policy, password), password).toBeUndefined();
    }
  });
});

describe("PasswordPolicy common passwords", () => {
  it("ships a list that loads, normalised to lower case", () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(1000);
    for (const entry of ["password", "123456", "qwerty", "iloveyou", "dragon", "monkey", "passw0rd", "reptidex"]) expect(list.has(entry), entry).toBe(true);
    for (const entry of list) expect(entry).toBe(entry.normalize("NFKC").toLowerCase());
    expect([...list].some((entry) => entry.startsWith("#"))).toBe(false);
  });

  it("parses comments and blank lines out, keeping spaces inside entries", () => {
    expect([...parseCommonPasswords("# header\n\nHello World\r\nＰＡＳＳ\n")]).toEqual(["hello world", "pass"]);
  });

  it("refuses listed passwords whatever their case", () => {
    for (const password of ["passwordpassword", "PasswordPassword", "QWERTYUIOPASDFGHJKL", "CorrectHorseBatteryStaple", "correct horse battery staple"]) {
      expect(rejectionOf(policy, password), password).toBe("common");
    }
    for (const password of ["password", "PASSWORD", "Dragon123", "iLoveYou", "P4ssw0rd", "Trustno1"]) {
      expect(rejectionOf(lenient, password), password).toBe("common");
    }
  });

  it("matches an injected list exactly, case-insensitively and after NFKC", () => {
    const custom = new PasswordPolicy({ minLength: 15, maxLength: 64, commonPasswords: new Set(["vmk2#qz9p!xw7rt"]) });
    expect(rejectionOf(custom, "VMK2#QZ9P!XW7RT")).toBe("common");
    expect(rejectionOf(custom, "ｖｍｋ２＃ｑｚ９ｐ！ｘｗ７ｒｔ")).toBe("common");
    expect(rejectionOf(custom, "vmk2#qz9p!xw7rs")).toBeUndefined();
  });
});

describe("PasswordPolicy predictable shapes", () => {
  it.each([
    ["one repeated character", "aaaaaaaaaaaaaaa"],
    ["one repeated emoji", "🦎".repeat(15)],
    ["a listed word plus digits and symbols", "Password2024!!!"],
    ["a listed word plus a digit run", "monkey123456789"],
    ["a leet word plus a sequence", "P@ssw0rd12345678"],
    ["a context word plus a year", "reptidex2024!!!!"],
    ["a listed word repeated with a year", "Qwerty2024Qwerty"],
    ["two listed words and a year", "iloveyoumonkey2024"],
    ["a date and a word", "01011990password"],
    ["a reversed word, twice", "drowssapdrowssap"],
    ["a digit sequence", "123456789012345"],
    ["an alphabet sequence", "abcdefghijklmnop"],
    ["a descending sequence", "zyxwvutsrqponml"],
    ["keyboard rows", "qwertyuiopasdfgh"],
    ["keyboard columns", "zxcvbnm1qaz2wsx"],
    ["a keyboard zigzag", "qawsedrftgyhujikolp"],
    ["shifted digit row", "!@#$%^&*()_+qwer"],
    ["a short unit repeated", "abcabcabcabcabcabc"],
    ["a word repeated", "Dragon!Dragon!Dragon!"],
  ])("refuses %s (%s)", (_shape, password) => {
    expect(rejectionOf(policy, password)).toBe("common");
  });

  it.each([
    "q9V!mZ2#rT7wLp0x",
    "839201746529184",
    "timothy-loves-snakes",
    "nobody expects the inquisition",
    "bannister kettle oboe quasar",
  ])("accepts %s", (password) => {
    expect(rejectionOf(policy, password)).toBeUndefined();
  });

  it("judges a 256-character password quickly", () => {
    const started = performance.now();
    for (const password of [noise(256), "ab".repeat(128), "a".repeat(255) + "b"]) policy.rejection(password);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("PasswordPolicy identity", () => {
  const context: PasswordContext = { email: "Alexandra.Okonkwo@lizardmail.example", firstName: "Bartholomew", lastName: "Okonkwo" };

  it.each([
    ["the whole email", "alexandra.okonkwo@lizardmail.example"],
    ["the email in other case", "ALEXANDRA.OKONKWO@LIZARDMAIL.EXAMPLE"],
    ["the local part", "Alexandra.Okonkwo"],
    ["the local part plus digits", "alexandraokonkwo1990"],
    ["the names plus a year", "BartholomewOkonkwo2024"],
    ["the domain name plus digits", "lizardmail123456!"],
    ["a random prefix before the whole email", `${noise(8)}alexandra.okonkwo@lizardmail.example`],
  ])("refuses %s", (_what, password) => {
    expect(rejectionOf(policy, password, context)).toBe("contains_identity");
  });

  it("accepts the same shapes for someone else", () => {
    expect(rejectionOf(policy, "alexandraokonkwo1990")).toBeUndefined();
    expect(rejectionOf(policy, "BartholomewOkonkwo2024", { email: "jo@example.com" })).toBeUndefined();
  });

  it("does not refuse a strong phrase that merely contains a short name", () => {
    expect(rejectionOf(policy, "bannister kettle oboe quasar", { email: "ann@example.com", firstName: "Ann" })).toBeUndefined();
  });

  it("tolerates missing and null context fields", () => {
    expect(rejectionOf(policy, noise(20), { firstName: null, lastName: null })).toBeUndefined();
  });
});
