import { describe, expect, it } from "vitest";
import { DomainError } from "@repti/kit";
import { allConditionsHold, conditionHolds, parseConditions, type Condition } from "./conditions.js";
import type { EvaluationContext } from "./context.js";

/** One condition, validated as a client would send it. */
function condition(raw: Record<string, unknown>): Condition {
  return parseConditions([raw])[0]!;
}

const holds = (raw: Record<string, unknown>, context: EvaluationContext) => conditionHolds(condition(raw), context);
const withAttribute = (name: string, value: string): EvaluationContext => ({ attributes: { [name]: value } });

describe("IN and NOT_IN", () => {
  const isIn = { contextName: "environment", operator: "IN", values: ["staging", "production"] };
  const notIn = { ...isIn, operator: "NOT_IN" };

  it("compare whole values, case-sensitive by default", () => {
    expect(holds(isIn, { environment: "staging" })).toBe(true);
    expect(holds(isIn, { environment: "development" })).toBe(false);
    expect(holds(isIn, { environment: "Staging" })).toBe(false);
    expect(holds(isIn, { environment: "stag" })).toBe(false);
    expect(holds(notIn, { environment: "development" })).toBe(true);
    expect(holds(notIn, { environment: "production" })).toBe(false);
  });

  it("honour caseInsensitive (client specification 16)", () => {
    expect(holds({ ...isIn, caseInsensitive: true }, { environment: "STAGING" })).toBe(true);
    expect(holds({ ...isIn, caseInsensitive: true, inverted: true }, { environment: "Staging" })).toBe(false);
    expect(holds({ ...notIn, caseInsensitive: true }, { environment: "PRODUCTION" })).toBe(false);
    expect(holds({ ...notIn, caseInsensitive: true, inverted: true }, { environment: "PRODUCTION" })).toBe(true);
    // Values are data, never patterns.
    expect(holds({ contextName: "app", operator: "IN", values: ["app2-ios-[v1]"], caseInsensitive: true }, withAttribute("app", "App2-iOS-[V1]"))).toBe(true);
  });

  it("missing or empty field: IN is false, NOT_IN (IN negated) is true, inverted flips both", () => {
    for (const context of [{}, { environment: "" }] as EvaluationContext[]) {
      expect(holds(isIn, context)).toBe(false);
      expect(holds({ ...isIn, inverted: true }, context)).toBe(true);
      expect(holds(notIn, context)).toBe(true);
      expect(holds({ ...notIn, inverted: true }, context)).toBe(false);
    }
  });

  it("inverted negates a present value's answer", () => {
    expect(holds({ ...isIn, inverted: true }, { environment: "staging" })).toBe(false);
    expect(holds({ ...notIn, inverted: true }, { environment: "staging" })).toBe(true);
  });

  it("read the named fields and free attributes, named fields first", () => {
    const context: EvaluationContext = {
      userId: "u-1",
      vivariumId: "v-1",
      platformRole: "ADMIN",
      subscriptionTier: "pro",
      attributes: { userId: "shadowed", country: "NZ" },
    };
    expect(holds({ contextName: "userId", operator: "IN", values: ["u-1"] }, context)).toBe(true);
    expect(holds({ contextName: "userId", operator: "IN", values: ["shadowed"] }, context)).toBe(false);
    expect(holds({ contextName: "vivariumId", operator: "IN", values: ["v-1"] }, context)).toBe(true);
    expect(holds({ contextName: "platformRole", operator: "IN", values: ["ADMIN"] }, context)).toBe(true);
    expect(holds({ contextName: "subscriptionTier", operator: "NOT_IN", values: ["free"] }, context)).toBe(true);
    expect(holds({ contextName: "country", operator: "IN", values: ["NZ", "AU"] }, context)).toBe(true);
    expect(holds({ contextName: "toString", operator: "IN", values: ["x"] }, context)).toBe(false);
  });
});

describe("STR_CONTAINS, STR_STARTS_WITH, STR_ENDS_WITH", () => {
  const email = (value: string) => withAttribute("email", value);

  it("match any of the values", () => {
    expect(holds({ contextName: "email", operator: "STR_ENDS_WITH", values: ["@reptidex.dev", "@example.com"] }, email("kim@example.com"))).toBe(true);
    expect(holds({ contextName: "email", operator: "STR_ENDS_WITH", values: ["@reptidex.dev"] }, email("kim@reptidex.dev.evil"))).toBe(false);
    expect(holds({ contextName: "email", operator: "STR_STARTS_WITH", values: ["e1", "e2"] }, email("e2 cool"))).toBe(true);
    expect(holds({ contextName: "email", operator: "STR_STARTS_WITH", values: ["e1", "e2"] }, email("cool e1"))).toBe(false);
    expect(holds({ contextName: "email", operator: "STR_CONTAINS", values: ["email"] }, email("test@some-email.com"))).toBe(true);
    expect(holds({ contextName: "email", operator: "STR_CONTAINS", values: ["email"] }, email("test@another.com"))).toBe(false);
  });

  it("are case-sensitive unless caseInsensitive", () => {
    const endsWith = { contextName: "email", operator: "STR_ENDS_WITH", values: ["some-email.com"] };
    expect(holds(endsWith, email("test@some-EMAIL.com"))).toBe(false);
    expect(holds({ ...endsWith, caseInsensitive: true }, email("test@SOME-EMAIL.com"))).toBe(true);
    expect(holds({ contextName: "email", operator: "STR_STARTS_WITH", values: ["TEST"], caseInsensitive: true }, email("TEsT@example.com"))).toBe(true);
  });

  it("are false on a missing or empty field, true when inverted", () => {
    const contains = { contextName: "email", operator: "STR_CONTAINS", values: ["@"] };
    expect(holds(contains, {})).toBe(false);
    expect(holds(contains, email(""))).toBe(false);
    expect(holds({ ...contains, inverted: true }, {})).toBe(true);
    expect(holds({ ...contains, inverted: true }, email("kim@example.com"))).toBe(false);
  });
});

describe("NUM_*", () => {
  const age = (value: string) => withAttribute("age", value);
  const num = (operator: string, value: string | number) => ({ contextName: "age", operator, value });

  it("compare as numbers, not strings", () => {
    expect(holds(num("NUM_EQ", "12"), age("12"))).toBe(true);
    expect(holds(num("NUM_EQ", "12"), age("12.0"))).toBe(true);
    expect(holds(num("NUM_EQ", "12.0"), age("12"))).toBe(true);
    expect(holds(num("NUM_EQ", 12), age("12"))).toBe(true);
    expect(holds(num("NUM_GT", "12"), age("13"))).toBe(true);
    expect(holds(num("NUM_GT", "12"), age("12"))).toBe(false);
    expect(holds(num("NUM_GT", "9"), age("10"))).toBe(true);
    expect(holds(num("NUM_GTE", "12"), age("12"))).toBe(true);
    expect(holds(num("NUM_GTE", "12"), age("11"))).toBe(false);
    expect(holds(num("NUM_LT", "12"), age("0"))).toBe(true);
    expect(holds(num("NUM_LT", "12"), age("12"))).toBe(false);
    expect(holds(num("NUM_LTE", "12"), age("12"))).toBe(true);
    expect(holds(num("NUM_LTE", "12"), age("13"))).toBe(false);
    expect(holds(num("NUM_LT", "0"), age("-1.5"))).toBe(true);
    expect(holds(num("NUM_EQ", "1000"), age("1e3"))).toBe(true);
  });

  it("are false for what is not a decimal number, whatever JavaScript's Number() makes of it", () => {
    for (const text of ["", " 12", "12 ", "0x0C", "Infinity", "twelve", "12px", "1,5"]) {
      expect(holds(num("NUM_GTE", "0"), age(text)), JSON.stringify(text)).toBe(false);
    }
    expect(holds(num("NUM_EQ", "0"), {})).toBe(false);
    expect(holds({ ...num("NUM_EQ", "0"), inverted: true }, {})).toBe(true);
    expect(holds({ ...num("NUM_EQ", "12"), inverted: true }, age("12"))).toBe(false);
    expect(holds({ ...num("NUM_EQ", "12"), inverted: true }, age("13"))).toBe(true);
  });

  it("bound a range when two hold together", () => {
    const range = parseConditions([num("NUM_GT", "12"), num("NUM_LT", "16")]);
    expect(allConditionsHold(range, age("14"))).toBe(true);
    expect(allConditionsHold(range, age("11"))).toBe(false);
    expect(allConditionsHold(range, age("16"))).toBe(false);
  });
});

describe("DATE_AFTER and DATE_BEFORE", () => {
  const at = (iso: string): EvaluationContext => ({ currentTime: new Date(iso) });
  const after = { contextName: "currentTime", operator: "DATE_AFTER", value: "2022-01-29T13:00:00.000Z" };
  const before = { ...after, operator: "DATE_BEFORE" };

  it("compare the context's currentTime, exclusively", () => {
    expect(holds(after, at("2022-01-30T13:00:00Z"))).toBe(true);
    expect(holds(after, at("2022-01-28T13:00:00Z"))).toBe(false);
    expect(holds(after, at("2022-01-29T13:00:00Z"))).toBe(false);
    expect(holds(before, at("2022-01-28T13:00:00Z"))).toBe(true);
    expect(holds(before, at("2022-01-29T13:00:00Z"))).toBe(false);
    expect(holds({ ...after, inverted: true }, at("2022-01-28T13:00:00Z"))).toBe(true);
  });

  it("respect the offset of the bound", () => {
    const window = parseConditions([
      { contextName: "currentTime", operator: "DATE_AFTER", value: "2022-01-22T13:00:00.000+02:00" },
      { contextName: "currentTime", operator: "DATE_BEFORE", value: "2022-01-22T14:00:00.000+02:00" },
    ]);
    expect(allConditionsHold(window, at("2022-01-22T11:30:00Z"))).toBe(true);
    expect(allConditionsHold(window, at("2022-01-22T13:30:00Z"))).toBe(false);
  });

  it("use the present moment when the context has no currentTime", () => {
    expect(holds({ ...after, value: "2000-01-01T00:00:00Z" }, {})).toBe(true);
    expect(holds({ ...before, value: "2000-01-01T00:00:00Z" }, {})).toBe(false);
    expect(holds({ ...before, value: "9999-01-01T00:00:00Z" }, {})).toBe(true);
  });
});

describe("SEMVER_*", () => {
  const version = (value: string) => withAttribute("appVersion", value);
  const semver = (operator: string, value: string) => ({ contextName: "appVersion", operator, value });

  it("order releases and pre-releases as SemVer 2.0 does", () => {
    expect(holds(semver("SEMVER_EQ", "1.2.2"), version("1.2.2"))).toBe(true);
    expect(holds(semver("SEMVER_EQ", "1.2.2"), version("1.2.0"))).toBe(false);
    expect(holds(semver("SEMVER_GT", "1.2.2"), version("1.2.3"))).toBe(true);
    expect(holds(semver("SEMVER_GT", "1.2.2"), version("1.10.0"))).toBe(true);
    expect(holds(semver("SEMVER_LT", "1.2.2"), version("1.2.1"))).toBe(true);
    expect(holds(semver("SEMVER_GT", "2.0.0-alpha.1"), version("2.0.0-beta.1"))).toBe(true);
    expect(holds(semver("SEMVER_GT", "2.0.0-alpha.1"), version("2.0.0"))).toBe(true);
    expect(holds(semver("SEMVER_LT", "2.0.0-alpha.1"), version("1.9.1-beta.1"))).toBe(true);
    expect(holds(semver("SEMVER_LT", "2.0.0-alpha.3"), version("2.0.0-alpha.1"))).toBe(true);
    expect(holds(semver("SEMVER_LT", "2.0.0-alpha.3"), version("2.0.0-alpha.4"))).toBe(false);
    expect(holds(semver("SEMVER_GT", "2.0.0-alpha"), version("2.0.0-alpha.1"))).toBe(true);
    expect(holds(semver("SEMVER_GT", "2.0.0-rc"), version("2.0.0-beta.1"))).toBe(false);
    expect(holds(semver("SEMVER_GT", "2.0.0-rc"), version("2.0.0"))).toBe(true);
    expect(holds(semver("SEMVER_LT", "2.0.0"), version("2.0.0-rc.1"))).toBe(true);
  });

  it("ignore build metadata", () => {
    expect(holds(semver("SEMVER_EQ", "1.2.2"), version("1.2.2+metadata"))).toBe(true);
    expect(holds(semver("SEMVER_EQ", "1.2.2+metadata"), version("1.2.2+metadata.1"))).toBe(true);
    expect(holds(semver("SEMVER_GT", "1.2.2"), version("1.2.2+metadata"))).toBe(false);
    expect(holds(semver("SEMVER_LT", "1.2.2-alpha.1+metadata"), version("1.2.2-alpha.1"))).toBe(false);
  });

  it("are false for what is not strict SemVer, true only when inverted", () => {
    for (const text of ["v1.2.2", "=1.2.2", " 1.2.2", "1.2", "01.2.2", "not a version", ""]) {
      expect(holds(semver("SEMVER_EQ", "1.2.2"), version(text)), JSON.stringify(text)).toBe(false);
    }
    expect(holds({ ...semver("SEMVER_EQ", "1.2.2"), inverted: true }, version("v1.2.2"))).toBe(true);
    expect(holds(semver("SEMVER_LT", "9.9.9"), {})).toBe(false);
  });
});

describe("parseConditions", () => {
  const bad = (raw: unknown) => {
    try {
      parseConditions(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("BAD_USER_INPUT");
      return (error as DomainError).message;
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`);
  };

  it("accepts Unleash's constraint JSON, trims values and fills defaults", () => {
    expect(parseConditions(null)).toEqual([]);
    expect(parseConditions([])).toEqual([]);
    expect(parseConditions([{ contextName: "environment", operator: "IN", values: [" staging "] }])).toEqual([
      { contextName: "environment", operator: "IN", values: ["staging"], inverted: false, caseInsensitive: false },
    ]);
    expect(parseConditions([{ contextName: "age", operator: "NUM_GTE", value: 18, inverted: true }])).toEqual([
      { contextName: "age", operator: "NUM_GTE", value: "18", inverted: true, caseInsensitive: false },
    ]);
  });

  it("refuses what Unleash would refuse or could not evaluate, naming the condition", () => {
    expect(bad({})).toMatch(/list/);
    expect(bad([1])).toMatch(/conditions\[0\]: must be an object/);
    expect(bad([{ contextName: "environment", operator: "LIKE", values: ["x"] }])).toMatch(/operator/);
    expect(bad([{ contextName: "has space", operator: "IN", values: ["x"] }])).toMatch(/contextName/);
    expect(bad([{ contextName: "environment", operator: "IN" }])).toMatch(/values/);
    expect(bad([{ contextName: "environment", operator: "IN", values: [] }])).toMatch(/values/);
    expect(bad([{ contextName: "environment", operator: "IN", values: ["  "] }])).toMatch(/non-blank/);
    expect(bad([{ contextName: "environment", operator: "IN", value: "x" }])).toMatch(/takes `values`/);
    expect(bad([{ contextName: "age", operator: "NUM_EQ", values: ["1"] }])).toMatch(/one `value`/);
    expect(bad([{ contextName: "age", operator: "NUM_EQ", value: "0x10" }])).toMatch(/decimal/);
    expect(bad([{ contextName: "appVersion", operator: "SEMVER_GT", value: "v1.0.0" }])).toMatch(/SemVer/);
    expect(bad([{ contextName: "currentTime", operator: "DATE_AFTER", value: "2026-01-01" }])).toMatch(/RFC 3339/);
    expect(bad([{ contextName: "createdAt", operator: "DATE_AFTER", value: "2026-01-01T00:00:00Z" }])).toMatch(/currentTime/);
    expect(bad([{ contextName: "currentTime", operator: "IN", values: ["x"] }])).toMatch(/currentTime/);
    expect(bad([{ contextName: "environment", operator: "IN", values: ["x"], inverted: "yes" }])).toMatch(/booleans/);
    expect(bad([{ contextName: "environment", operator: "IN", values: ["x"], extra: 1 }])).toMatch(/unknown properties: extra/);
    expect(bad(Array.from({ length: 51 }, () => ({ contextName: "environment", operator: "IN", values: ["x"] })))).toMatch(/at most 50/);
  });
});
