import { describe, expect, it } from "vitest";
import { parseConditions } from "./conditions.js";
import { evaluateFlag, type FlagRules } from "./evaluate.js";
import { bucketOf } from "./rollout.js";

function flag(rules: Partial<FlagRules> = {}): FlagRules {
  return {
    name: "pedigree-explorer",
    enabled: true,
    rolloutPercentage: 100,
    conditions: [],
    rolloutGroupId: null,
    stickiness: "default",
    userOverrides: new Map(),
    vivariumOverrides: new Map(),
    ...rules,
  };
}

const inStaging = parseConditions([{ contextName: "environment", operator: "IN", values: ["staging"] }]);

describe("evaluateFlag", () => {
  it("answers DEFAULT off for a flag that does not exist", () => {
    expect(evaluateFlag(undefined, { userId: "u" })).toEqual({ enabled: false, reason: "DEFAULT" });
  });

  it("answers DISABLED for a switched-off flag, overrides and all", () => {
    const off = flag({ enabled: false, userOverrides: new Map([["u", true]]) });
    expect(evaluateFlag(off, { userId: "u" })).toEqual({ enabled: false, reason: "DISABLED" });
  });

  it("answers DEFAULT on for a flag on for everyone", () => {
    expect(evaluateFlag(flag(), {})).toEqual({ enabled: true, reason: "DEFAULT" });
  });

  it("lets a user override beat a vivarium override, and both beat conditions and rollout", () => {
    const overridden = flag({
      rolloutPercentage: 0,
      conditions: inStaging,
      userOverrides: new Map([["u-on", true], ["u-off", false]]),
      vivariumOverrides: new Map([["v-on", true]]),
    });
    expect(evaluateFlag(overridden, { userId: "u-on" })).toEqual({ enabled: true, reason: "OVERRIDE" });
    expect(evaluateFlag(overridden, { userId: "u-off", vivariumId: "v-on" })).toEqual({ enabled: false, reason: "OVERRIDE" });
    expect(evaluateFlag(overridden, { userId: "someone", vivariumId: "v-on" })).toEqual({ enabled: true, reason: "OVERRIDE" });
    expect(evaluateFlag(overridden, { userId: "someone", environment: "staging" })).toEqual({ enabled: false, reason: "ROLLOUT" });
  });

  it("answers RULE_MATCH when every condition holds, DEFAULT off otherwise", () => {
    const targeted = flag({ conditions: inStaging });
    expect(evaluateFlag(targeted, { environment: "staging" })).toEqual({ enabled: true, reason: "RULE_MATCH" });
    expect(evaluateFlag(targeted, { environment: "production" })).toEqual({ enabled: false, reason: "DEFAULT" });
    expect(evaluateFlag(targeted, {})).toEqual({ enabled: false, reason: "DEFAULT" });
  });

  it("buckets by the flag's name unless a groupId is set", () => {
    const ids = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    const partial = flag({ name: "gr1", rolloutPercentage: 73 });
    expect(evaluateFlag(partial, { userId: "123" })).toEqual({ enabled: true, reason: "ROLLOUT" });
    expect(evaluateFlag({ ...partial, rolloutPercentage: 72 }, { userId: "123" })).toEqual({ enabled: false, reason: "ROLLOUT" });
    for (const id of ids) {
      expect(evaluateFlag(flag({ rolloutPercentage: 30 }), { userId: id }).enabled).toBe(bucketOf("pedigree-explorer", id) <= 30);
      expect(evaluateFlag(flag({ rolloutPercentage: 30, rolloutGroupId: "shared" }), { userId: id }).enabled).toBe(bucketOf("shared", id) <= 30);
    }
  });

  it("rolls out by user, then vivarium, or a chosen field; without one the caller is outside", () => {
    const half = flag({ name: "gr1", rolloutPercentage: 73 });
    expect(evaluateFlag(half, { vivariumId: "123" })).toEqual({ enabled: true, reason: "ROLLOUT" });
    expect(evaluateFlag({ ...half, stickiness: "deviceId" }, { userId: "nobody", attributes: { deviceId: "123" } })).toEqual({ enabled: true, reason: "ROLLOUT" });
    expect(evaluateFlag(half, {})).toEqual({ enabled: false, reason: "ROLLOUT" });
    expect(evaluateFlag(flag({ rolloutPercentage: 0 }), { userId: "u" })).toEqual({ enabled: false, reason: "ROLLOUT" });
  });

  it("checks conditions before the rollout", () => {
    const both = flag({ name: "gr1", rolloutPercentage: 73, conditions: inStaging });
    expect(evaluateFlag(both, { userId: "123", environment: "production" })).toEqual({ enabled: false, reason: "DEFAULT" });
    expect(evaluateFlag(both, { userId: "123", environment: "staging" })).toEqual({ enabled: true, reason: "ROLLOUT" });
  });
});
