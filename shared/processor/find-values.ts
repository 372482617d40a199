/**
 * Finding known values inside free text regardless of case and separators, without building a
 * regular expression per record: compiling a fresh pattern for every DLP record cost ~60–200 µs
 * and filled the old generation with dead regexp code. Instead both sides are folded (separators
 * dropped, letters lower-cased) and searched with indexOf, then mapped back to the original text.
 */

/** Characters a value may be written with or without: blanks, controls, `-`, `.`, `/`, `_`. */
function isSeparator(c: number): boolean {
  return (
    c <= 0x20 ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x2f ||
    c === 0x5f ||
    c === 0xa0 ||
    (c >= 0x2000 && c <= 0x200b) ||
    c === 0x202f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Lower-case one UTF-16 unit, keeping the length at one unit (so positions map back 1:1). */
function foldUnit(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c + 32;
  if (c < 0x80) return c;
  const lower = String.fromCharCode(c).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : c;
}

interface Folded {
  text: string;
  /** Index in the original string of each unit of `text` (scratch: valid until the next fold). */
  origin: Uint32Array;
}

// Scratch space reused by every fold (the search is synchronous and never re-entered), so a
// record's worth of strings does not allocate two typed arrays each.
let units = new Uint16Array(1024);
let origins = new Uint32Array(1024);

function fold(s: string): Folded {
  if (s.length > units.length) {
    units = new Uint16Array(s.length * 2);
    origins = new Uint32Array(s.length * 2);
  }
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSeparator(c)) continue;
    units[n] = foldUnit(c);
    origins[n] = i;
    n++;
  }
  return { text: Buffer.from(units.buffer, 0, n * 2).toString('utf16le'), origin: origins };
}

/** The search key of a value: what `findValues` compares. */
export function searchKey(value: string): string {
  return fold(value).text;
}

export interface SearchNeedle<T> {
  key: string;
  tag: T;
}

export interface Found<T> {
  start: number;
  end: number;
  tag: T;
}

/**
 * Non-overlapping occurrences of the needles in `haystack`, in text order, as original [start,
 * end) ranges. Needles are tried in the order given (put longer ones first: a context excerpt
 * then wins over the value inside it).
 */
export function findValues<T>(
  haystack: string,
  needles: readonly SearchNeedle<T>[],
  minKey: number,
): Found<T>[] {
  if (needles.length === 0 || haystack.length < minKey) return [];
  const folded = fold(haystack);
  let claimed: Uint8Array | undefined;
  const found: Array<Found<T> & { from: number; to: number }> = [];
  for (const needle of needles) {
    const len = needle.key.length;
    for (let at = folded.text.indexOf(needle.key); at !== -1; at = folded.text.indexOf(needle.key, at + 1)) {
      claimed ??= new Uint8Array(folded.text.length);
      if (claimed.subarray(at, at + len).some((x) => x === 1)) continue;
      claimed.fill(1, at, at + len);
      found.push({
        from: at,
        to: at + len,
        start: folded.origin[at]!,
        end: folded.origin[at + len - 1]! + 1,
        tag: needle.tag,
      });
    }
  }
  return found.sort((a, b) => a.from - b.from).map(({ start, end, tag }) => ({ start, end, tag }));
}
