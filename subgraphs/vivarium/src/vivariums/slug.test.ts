import { describe, expect, it } from "vitest";
import { DomainError } from "@repti/kit";
import { checkSlug, maxSlugLength, slugCandidates, slugFromName } from "./slug.js";

describe("slugs made from names", () => {
  it.each([
    ["Gecko Café & Co.", "gecko-cafe-co"],
    ["  Ball Pythons -- of   Zürich  ", "ball-pythons-of-zurich"],
    ["ÆTHER Øresund Straße", "aether-oresund-strasse"],
    ["Ab", "ab-vivarium"],
    ["🦎", "vivarium"],
    ["Settings", "settings-vivarium"],
    ["x".repeat(60), "x".repeat(maxSlugLength)],
    [`${"a".repeat(47)} b`, "a".repeat(47)],
  ])("%s → %s", (name, slug) => {
    expect(slugFromName(name)).toBe(slug);
    expect(checkSlug(slugFromName(name))).toBe(slugFromName(name));
  });

  it("candidates stay valid slugs within the length limit", () => {
    const base = "y".repeat(maxSlugLength);
    const candidates = [...slugCandidates(base)];
    expect(candidates.slice(0, 3)).toEqual([base, `${"y".repeat(maxSlugLength - 2)}-2`, `${"y".repeat(maxSlugLength - 2)}-3`]);
    expect(candidates).toHaveLength(12);
    for (const candidate of candidates) expect(checkSlug(candidate)).toBe(candidate);
  });
});

describe("explicit slugs", () => {
  it("are lower-cased and trimmed", () => {
    expect(checkSlug("  Basking-Spot ")).toBe("basking-spot");
  });

  it.each(["ab", "a".repeat(49), "two  words", "-edge", "edge-", "double--hyphen", "ümlaut", "admin", "new"])("refuses %s", (slug) => {
    expect(() => checkSlug(slug)).toThrow(DomainError);
  });
});
