import { randomBytes } from "node:crypto";
import { DomainError } from "@repti/kit";

/** Lower-case letters and digits in hyphen-separated words: safe in a URL path as it stands. */
const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const minSlugLength = 3;
export const maxSlugLength = 48;
/** Paths the web app uses beside `/<slug>`. */
const reservedSlugs = new Set(["admin", "api", "graphql", "invitations", "login", "me", "new", "settings", "signup"]);

/** An explicit slug: trimmed and lower-cased, then BAD_USER_INPUT unless it fits. */
export function checkSlug(raw: string): string {
  const slug = raw.trim().toLowerCase();
  if (slug.length < minSlugLength || slug.length > maxSlugLength || !slugPattern.test(slug)) {
    throw new DomainError("BAD_USER_INPUT", `A slug is ${minSlugLength} to ${maxSlugLength} lower-case letters, digits and single hyphens between them`, { field: "slug" });
  }
  if (reservedSlugs.has(slug)) throw new DomainError("BAD_USER_INPUT", `The slug "${slug}" is reserved`, { field: "slug" });
  return slug;
}

/** Latin letters that Unicode does not decompose into a base letter and an accent. */
const letters: Record<string, string> = { æ: "ae", œ: "oe", ø: "o", ß: "ss", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i" };

/** A slug made from a name: accents dropped, everything but letters and digits turned into single hyphens. */
export function slugFromName(name: string): string {
  const words = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[æœøßłđðþı]/g, (letter) => letters[letter] ?? letter)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const slug = trimToLength(words, maxSlugLength);
  if (slug.length < minSlugLength) return slug ? `${slug}-vivarium` : "vivarium";
  return reservedSlugs.has(slug) ? `${slug}-vivarium` : slug;
}

/** Slugs to try in turn for a generated one: the slug, then numbered, then with a random suffix. */
export function* slugCandidates(base: string): Generator<string> {
  yield base;
  for (let n = 2; n <= 9; n += 1) yield withSuffix(base, String(n));
  for (let attempt = 0; attempt < 3; attempt += 1) yield withSuffix(base, randomBytes(3).toString("hex"));
}

function withSuffix(base: string, suffix: string): string {
  return `${trimToLength(base, maxSlugLength - suffix.length - 1)}-${suffix}`;
}

function trimToLength(slug: string, length: number): string {
  return slug.slice(0, length).replace(/-+$/, "");
}
