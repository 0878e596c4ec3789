/**
 * A small guess-count estimator in the spirit of zxcvbn: it finds the cheapest way to spell a password out of
 * pieces a cracker tries first (listed words, keyboard walks, sequences, repeats, years and dates, the user's
 * own names) and adds up the bits of each piece; characters no piece explains cost what a random one would.
 * The blocklist alone cannot hold every "Password2024!!" or "qwertyuiopasdfgh"; this catches their shapes.
 */

/** Below this many estimated bits a password is treated as guessable (about 10^12 guesses). */
export const GUESSABLE_BELOW_BITS = 40;

/** What the attacker is assumed to know: the common words, and (for one user) that user's identity. */
export interface GuessContext {
  words: ReadonlySet<string>;
  /** Lower-cased, NFKC: email, its local part and pieces, names. Each costs almost nothing to try. */
  identity?: readonly string[];
}

const IDENTITY_BITS = 2;
/** A repeat of the characters just before ("abcabc", "monkeymonkey"). */
const REPEAT_PREVIOUS_BITS = 2;
/** Leet substitution or reversal of a listed word: a handful of rules per word. */
const VARIANT_BITS = 1;
const YEAR_BITS = Math.log2(200);
const DATE_BITS = Math.log2(366 * 100 * 3);
/** Longest listed word looked for inside a password; longer entries only match the whole password. */
const MAX_WORD_LENGTH = 40;
const MIN_WORD_LENGTH = 4;
const MIN_WALK_LENGTH = 4;
const MIN_SEQUENCE_LENGTH = 3;
const MIN_RUN_LENGTH = 3;
const MIN_REPEAT_LENGTH = 3;
/** Bounds the work on long inputs; a longer repeat is still found as several shorter ones. */
const MAX_REPEAT_LENGTH = 64;

/** Bits of one character nobody can predict, by the alphabet an attacker would brute-force it from. */
export function randomCharBits(ch: string): number {
  if (/^[a-z]$/.test(ch)) return Math.log2(26);
  if (/^[0-9]$/.test(ch)) return Math.log2(10);
  if (/^[\x20-\x7e]$/.test(ch)) return Math.log2(33);
  // Any other letter, symbol or emoji: a larger alphabet, but not a uniformly random code point.
  return 6;
}

const leetToI: Record<string, string> = { "0": "o", "1": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t", "+": "t", "8": "b", "9": "g" };
/** "1" and "|" stand for "l" as often as for "i", so a second folding tries that reading. */
const leetToL: Record<string, string> = { ...leetToI, "1": "l", "|": "l" };

/** The common readings of leet spelling, each mapping one character to one (so positions stay aligned). */
export function leetReadings(chars: readonly string[]): string[][] {
  return [leetToI, leetToL].map((table) => chars.map((c) => table[c] ?? c));
}

// US QWERTY, each row's left edge in key widths; shifted symbols are walked as their unshifted keys.
const keyboardRows = ["`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"];
const rowOffsets = [0, 1.5, 1.75, 2.25];
const shifted: Record<string, string> = {
  "~": "`", "!": "1", "@": "2", "#": "3", $: "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0",
  _: "-", "+": "=", "{": "[", "}": "]", "|": "\\", ":": ";", '"': "'", "<": ",", ">": ".", "?": "/",
};
const keyPositions = new Map<string, { row: number; x: number }>();
keyboardRows.forEach((keys, row) => [...keys].forEach((key, i) => keyPositions.set(key, { row, x: i + (rowOffsets[row] ?? 0) })));

function keyOf(ch: string) {
  return keyPositions.get(shifted[ch] ?? ch);
}

/** The direction of a step between adjacent keys, or undefined when the keys do not touch. */
function step(from: string, to: string): string | undefined {
  const a = keyOf(from);
  const b = keyOf(to);
  if (!a || !b || a === b) return undefined;
  const drow = b.row - a.row;
  const dx = b.x - a.x;
  if (drow === 0) return Math.abs(dx) === 1 ? `0:${dx}` : undefined;
  return Math.abs(drow) === 1 && Math.abs(dx) <= 1 ? `${drow}:${Math.sign(dx)}` : undefined;
}

function sequenceClass(ch: string): "letter" | "digit" | undefined {
  if (/^[a-z]$/.test(ch)) return "letter";
  if (/^[0-9]$/.test(ch)) return "digit";
  return undefined;
}

/** +1 or -1 when `b` follows `a` in the alphabet or in 1234567890 (0 also follows 9), else 0. */
function sequenceDelta(a: string, b: string): number {
  const cls = sequenceClass(a);
  if (!cls || cls !== sequenceClass(b)) return 0;
  const d = b.codePointAt(0)! - a.codePointAt(0)!;
  if (d === 1 || d === -1) return d;
  if (cls === "digit" && a === "9" && b === "0") return 1;
  if (cls === "digit" && a === "0" && b === "9") return -1;
  return 0;
}

function isYear(digits: string): boolean {
  const year = Number(digits);
  return /^\d{4}$/.test(digits) && year >= 1900 && year <= 2099;
}

function isDay(d: number, m: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** 6 or 8 digits read as a date in any common order: ddmmyy(yy), mmddyy(yy), yy(yy)mmdd. */
function isDate(digits: string): boolean {
  if (!/^\d+$/.test(digits) || (digits.length !== 6 && digits.length !== 8)) return false;
  const yearLength = digits.length - 4;
  const n = (from: number, length: number) => Number(digits.slice(from, from + length));
  const yearOk = (y: string) => yearLength === 2 || isYear(y);
  const [a, b] = [n(0, 2), n(2, 2)];
  if (yearOk(digits.slice(4)) && (isDay(a, b) || isDay(b, a))) return true;
  return yearOk(digits.slice(0, yearLength)) && isDay(n(yearLength + 2, 2), n(yearLength, 2));
}

interface WordIndex {
  /** Listed words spelled backwards: a substring found here is a reversed word. */
  reversed: ReadonlySet<string>;
  /** Every prefix of a word or reversed word, so the scan for words at a position stops at the first miss. */
  prefixes: ReadonlySet<string>;
}

const indexes = new WeakMap<ReadonlySet<string>, WordIndex>();

function indexOf(words: ReadonlySet<string>): WordIndex {
  let index = indexes.get(words);
  if (!index) {
    const reversed = new Set<string>();
    const prefixes = new Set<string>();
    for (const word of words) {
      const chars = Array.from(word);
      if (chars.length < MIN_WORD_LENGTH || chars.length > MAX_WORD_LENGTH) continue;
      const back = chars.slice().reverse();
      reversed.add(back.join(""));
      for (let len = 1; len <= chars.length; len++) {
        prefixes.add(chars.slice(0, len).join(""));
        prefixes.add(back.slice(0, len).join(""));
      }
    }
    index = { reversed, prefixes };
    indexes.set(words, index);
  }
  return index;
}

/**
 * Estimated bits of the cheapest explanation of `password` (already NFKC-normalised and lower-cased).
 * Dynamic programming over code points: best[j] is the cheapest cost of spelling the first j of them.
 */
export function estimateBits(password: string, context: GuessContext): number {
  const chars = Array.from(password);
  const n = chars.length;
  const [asI, asL] = leetReadings(chars) as [string[], string[]];
  const { reversed, prefixes } = indexOf(context.words);
  const wordBits = Math.log2(Math.max(2, context.words.size));
  const identity = (context.identity ?? []).map((token) => Array.from(token)).filter((token) => token.length > 0);
  const best = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  const relax = (from: number, to: number, bits: number) => {
    const total = best[from]! + bits;
    if (total < best[to]!) best[to] = total;
  };

  for (let i = 0; i < n; i++) {
    const c = chars[i]!;
    relax(i, i + 1, randomCharBits(c));

    // Listed words, as typed, leet-folded, or reversed.
    let plain = "";
    let foldedI = "";
    let foldedL = "";
    for (let len = 1; len <= Math.min(MAX_WORD_LENGTH, n - i); len++) {
      const at = i + len - 1;
      plain += chars[at]!;
      foldedI += asI[at]!;
      foldedL += asL[at]!;
      if (!prefixes.has(plain) && !prefixes.has(foldedI) && !prefixes.has(foldedL)) break;
      if (len < MIN_WORD_LENGTH) continue;
      if (context.words.has(plain)) relax(i, i + len, wordBits);
      else if (context.words.has(foldedI) || context.words.has(foldedL) || reversed.has(plain)) relax(i, i + len, wordBits + VARIANT_BITS);
    }

    for (const token of identity) {
      if (token.length <= n - i && token.every((t, k) => chars[i + k] === t)) relax(i, i + token.length, IDENTITY_BITS);
    }

    // One character over and over: which character, and how many times.
    let run = 1;
    while (i + run < n && chars[i + run] === c) run++;
    for (let len = MIN_RUN_LENGTH; len <= run; len++) relax(i, i + len, randomCharBits(c) + Math.log2(len));

    // Alphabet or digit sequences, either direction: where it starts, which way, how long.
    const delta = i + 1 < n ? sequenceDelta(c, chars[i + 1]!) : 0;
    if (delta !== 0) {
      let len = 2;
      while (i + len < n && sequenceDelta(chars[i + len - 1]!, chars[i + len]!) === delta) len++;
      const startBits = Math.log2(sequenceClass(c) === "letter" ? 26 : 10) + 1;
      for (let k = MIN_SEQUENCE_LENGTH; k <= len; k++) relax(i, i + k, startBits + Math.log2(k));
    }

    // Keyboard walks: start key and direction, plus about two bits for every change of direction, one when
    // it only swings back to the direction before (the zigzag of "1q2w3e4r" or "qawsedrf").
    let turnBits = 0;
    let before: string | undefined;
    let direction = i + 1 < n ? step(c, chars[i + 1]!) : undefined;
    for (let len = 2; direction !== undefined && i + len <= n; len++) {
      if (len >= MIN_WALK_LENGTH) relax(i, i + len, Math.log2(47 * 8) + turnBits + Math.log2(len));
      if (i + len >= n) break;
      const next = step(chars[i + len - 1]!, chars[i + len]!);
      if (next !== undefined && next !== direction) turnBits += next === before ? 1 : 2;
      [before, direction] = [direction, next];
    }

    if (i + 4 <= n && isYear(chars.slice(i, i + 4).join(""))) relax(i, i + 4, YEAR_BITS);
    for (const len of [6, 8]) {
      if (i + len <= n && isDate(chars.slice(i, i + len).join(""))) relax(i, i + len, DATE_BITS);
    }

    // The same characters again as just before.
    for (let len = MIN_REPEAT_LENGTH; len <= Math.min(MAX_REPEAT_LENGTH, i, n - i); len++) {
      let same = true;
      for (let k = 0; k < len && same; k++) same = chars[i + k] === chars[i - len + k];
      if (same) relax(i, i + len, REPEAT_PREVIOUS_BITS);
    }
  }
  return best[n]!;
}

/** What the same password would cost if every character were random. */
export function randomBits(password: string): number {
  return Array.from(password).reduce((sum, c) => sum + randomCharBits(c), 0);
}

/**
 * Guessable when the patterns found make it cheap in absolute terms AND much cheaper than its length
 * suggests: the second condition keeps a short but random password (allowed when the minimum is set
 * low) from being called common just because it is short; length rules judge that.
 */
export function isGuessable(password: string, context: GuessContext): boolean {
  const bits = estimateBits(password, context);
  return bits < GUESSABLE_BELOW_BITS && bits < 0.75 * randomBits(password);
}
