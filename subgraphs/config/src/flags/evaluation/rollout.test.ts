import { describe, expect, it } from "vitest";
import { bucketOf, inRollout, stickinessId } from "./rollout.js";

describe("bucketOf: Unleash's normalized murmur3 bucket", () => {
  it("is the documented example: group gr1, id 123 → 73", () => {
    expect(bucketOf("gr1", "123")).toBe(73);
  });

  it("agrees with Unleash's client specification (10-flexible-rollout-strategy)", () => {
    expect(inRollout(10, "Feature.flexibleRollout.10", "174")).toBe(true);
    expect(inRollout(10, "Feature.flexibleRollout.10", "499")).toBe(false);
    expect(inRollout(55, "Feature.flexibleRollout.userId.55", "25")).toBe(true);
    expect(inRollout(42, "Feature.flexibleRollout.sessionId.42", "147")).toBe(true);
  });

  it("hashes the UTF-8 bytes of non-ASCII keys, not just each character's low byte", () => {
    // U+0133 and "3" share their low byte (0x33): a per-character hash would bucket both at 67.
    expect(bucketOf("g", "3")).toBe(67);
    expect(bucketOf("g", "\u0133")).toBe(52);
  });

  it("spreads callers evenly over 1..100 and is stable", () => {
    const counts = new Array<number>(101).fill(0);
    for (let i = 0; i < 20_000; i++) counts[bucketOf("pedigree-explorer", `user-${i}`)]! += 1;
    expect(counts[0]).toBe(0);
    for (let bucket = 1; bucket <= 100; bucket++) expect(counts[bucket]).toBeGreaterThan(120);
    expect(bucketOf("pedigree-explorer", "user-7")).toBe(bucketOf("pedigree-explorer", "user-7"));
  });
});

describe("inRollout", () => {
  it("is nobody at 0 %, everybody at 100 %, and grows without dropping anyone", () => {
    const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);
    expect(ids.some((id) => inRollout(0, "g", id))).toBe(false);
    expect(ids.every((id) => inRollout(100, "g", id))).toBe(true);
    const at20 = ids.filter((id) => inRollout(20, "g", id));
    const at50 = ids.filter((id) => inRollout(50, "g", id));
    expect(at20.every((id) => at50.includes(id))).toBe(true);
    expect(at20.length / ids.length).toBeCloseTo(0.2, 1);
    expect(at50.length / ids.length).toBeCloseTo(0.5, 1);
  });

  it("puts the same caller in different buckets for different groups", () => {
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    const inA = ids.filter((id) => inRollout(50, "flag-a", id));
    const inB = ids.filter((id) => inRollout(50, "flag-b", id));
    expect(inA).not.toEqual(inB);
  });
});

describe("stickinessId", () => {
  it("defaults to the user, then the vivarium", () => {
    expect(stickinessId("default", { userId: "u", vivariumId: "v" })).toBe("u");
    expect(stickinessId("default", { vivariumId: "v" })).toBe("v");
    expect(stickinessId("default", { userId: "", vivariumId: "v" })).toBe("v");
    expect(stickinessId("default", {})).toBeUndefined();
  });

  it("reads a named field or attribute otherwise", () => {
    expect(stickinessId("vivariumId", { userId: "u", vivariumId: "v" })).toBe("v");
    expect(stickinessId("userId", { vivariumId: "v" })).toBeUndefined();
    expect(stickinessId("deviceId", { attributes: { deviceId: "d-1" } })).toBe("d-1");
  });
});
