import { readFileSync } from "node:fs";

/**
 * The blocklist shipped in `data/common-passwords.txt`. Resolved from this module's own URL: `data/` sits
 * beside `src/` and `dist/`, so the same relative path works from the sources and from the build.
 */
export const commonPasswordsFile = new URL("../../data/common-passwords.txt", import.meta.url);

/** Entries are normalised the way passwords are compared: NFKC, then lower case. */
export function parseCommonPasswords(text: string): Set<string> {
  const entries = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    // Only the line break is stripped: spaces can be part of a listed password.
    if (line === "" || line.startsWith("#")) continue;
    entries.add(line.normalize("NFKC").toLowerCase());
  }
  return entries;
}

let cached: ReadonlySet<string> | undefined;

/** Read once per process, on first use; a missing file throws rather than silently allowing everything. */
export function commonPasswords(): ReadonlySet<string> {
  cached ??= parseCommonPasswords(readFileSync(commonPasswordsFile, "utf8"));
  return cached;
}
