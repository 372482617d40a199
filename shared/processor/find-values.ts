/**
 * Finding known values inside free text whatever the spelling, without building a regular
 * expression per record: compiling a fresh pattern for every DLP record cost ~60–200 µs and filled
 * the old generation with dead regexp code. Instead both sides are folded to one canonical form
 * and searched with indexOf, then mapped back to the original text.
 *
 * The canonical form (see `fold`) undoes the ways a value is commonly re-spelled on its way into
 * an audit record:
 * - percent-encoding as in URLs (`John%20Smith`, `%34%31`, UTF-8 sequences, `%2520` double
 *   encoding) — RFC 3986 section 2.1;
 * - HTML character references: named (`&commat;`, `&eacute;`), decimal (`&#52;`) and hexadecimal
 *   (`&#x34;`), also behind `&amp;` — WHATWG HTML, "Character references";
 * - JSON / JavaScript `\uXXXX` and `\xXX` escapes left in text;
 * - Unicode normalisation forms (NFC, NFD, NFKC, NFKD: compatibility decomposition, combining
 *   marks dropped, so `José`, `Jose\u0301`, `JOSÉ` and `Ｊｏｓｅ` are one value) — Unicode UAX #15;
 * - letter case (full case folding: `ß` and `SS` compare equal);
 * - everything that is neither a letter nor a digit: blanks, `+` for spaces, `( ) - . / _ , :` and
 *   any other punctuation or symbol, so `(425) 555-0100`, `425.555.0100` and `4255550100` are one
 *   value.
 * It errs on the side of matching a little more than the exact value, never less.
 */

// ---------------------------------------------------------------------------------------------
// Scratch space reused by every fold (the search is synchronous and never re-entered), so a
// record's worth of strings does not allocate three typed arrays each. It never grows past
// SCRATCH_MAX units: a longer string folds into arrays of its own that are dropped afterwards,
// so one huge field does not pin memory for the life of the process.

/** Units kept between folds (128 K units = 1.25 MB over the three arrays). */
export const SCRATCH_MAX = 128 * 1024;
const SCRATCH_MIN = 1024;

interface Scratch {
  units: Uint16Array;
  starts: Uint32Array;
  ends: Uint32Array;
}

const alloc = (n: number): Scratch => ({
  units: new Uint16Array(n),
  starts: new Uint32Array(n),
  ends: new Uint32Array(n),
});

let shared: Scratch = alloc(SCRATCH_MIN);

/** Units the kept scratch arrays hold now (for tests: never above SCRATCH_MAX). */
export function scratchCapacity(): number {
  return shared.units.length;
}

// ---------------------------------------------------------------------------------------------
// Folding one code point.

/** ASCII: the lower-case letter or digit, or 0 (dropped). */
const ASCII = new Uint16Array(128);
for (let c = 0x30; c <= 0x39; c++) ASCII[c] = c;
for (let c = 0x61; c <= 0x7a; c++) ASCII[c] = c;
for (let c = 0x41; c <= 0x5a; c++) ASCII[c] = c + 32;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const foldCache = new Map<number, string>();
const FOLD_CACHE_MAX = 8192;

/** A non-ASCII code point folded: compatibility-decomposed, marks dropped, case-folded. */
function foldCodePoint(cp: number): string {
  let out = foldCache.get(cp);
  if (out !== undefined) return out;
  out = '';
  const decomposed = String.fromCodePoint(cp).normalize('NFKD').toUpperCase().toLowerCase().normalize('NFKD');
  for (const ch of decomposed) if (LETTER_OR_DIGIT.test(ch)) out += ch;
  if (foldCache.size >= FOLD_CACHE_MAX) foldCache.clear();
  foldCache.set(cp, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoders: each recognises an encoded character at `i` and says what it stands for and where it
// ends, or returns undefined (the text is then read as it stands).

interface Decoded {
  /** The code point it stands for, or -1 for "a character that is not a letter or digit". */
  cp: number;
  end: number;
}

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;

/** One percent-encoded byte at `i`, `%25` repeated any number of times allowed (double encoding). */
function percentByte(s: string, i: number): { byte: number; end: number } | undefined {
  if (s.charCodeAt(i) !== 0x25) return undefined;
  let j = i + 1;
  while (s.charCodeAt(j) === 0x32 && s.charCodeAt(j + 1) === 0x35 && hexValue(s.charCodeAt(j + 2)) >= 0) {
    // `%25` followed by two more hex digits: an encoded `%`; keep unwrapping.
    if (hexValue(s.charCodeAt(j + 3)) < 0) break;
    j += 2;
  }
  const hi = hexValue(s.charCodeAt(j));
  const lo = hexValue(s.charCodeAt(j + 1));
  return hi < 0 || lo < 0 ? undefined : { byte: hi * 16 + lo, end: j + 2 };
}

/** A percent-encoded character (one byte, or a UTF-8 sequence of percent-encoded bytes). */
function percentAt(s: string, i: number): Decoded | undefined {
  const first = percentByte(s, i);
  if (!first) return undefined;
  const b = first.byte;
  if (b < 0x80) return { cp: b, end: first.end };
  const extra = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
  if (extra < 0) return { cp: -1, end: first.end };
  let cp = b & (0x3f >> extra);
  let end = first.end;
  for (let k = 0; k < extra; k++) {
    const next = percentByte(s, end);
    if (!next || (next.byte & 0xc0) !== 0x80) return { cp: -1, end };
    cp = (cp << 6) | (next.byte & 0x3f);
    end = next.end;
  }
  return { cp: cp <= 0x10ffff ? cp : -1, end };
}

/**
 * Named character references that stand for letters. Every other well-formed named reference
 * (`&amp;`, `&commat;`, `&nbsp;`, `&lpar;` ...) stands for punctuation or a symbol, which the
 * fold drops anyway, so it is read as a separator.
 */
const LETTER_ENTITY =
  /^([A-Za-z])(acute|grave|circ|uml|tilde|ring|cedil|caron|breve|macr|ogon|dot|dblac|strok|slash)$/;
const LIGATURES: Readonly<Record<string, string>> = {
  szlig: 'ss',
  aelig: 'ae',
  AElig: 'ae',
  oelig: 'oe',
  OElig: 'oe',
  eth: 'd',
  ETH: 'd',
  thorn: 'th',
  THORN: 'th',
  inodot: 'i',
  imath: 'i',
  jmath: 'j',
  fflig: 'ff',
  filig: 'fi',
  fllig: 'fl',
  ffilig: 'ffi',
  ffllig: 'ffl',
};

interface EntityDecoded {
  /** Letters it stands for ('' for punctuation). */
  text: string;
  end: number;
}

function isAlnumAscii(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** An HTML character reference at `i`, `&amp;` repeated any number of times allowed. */
function entityAt(s: string, i: number): EntityDecoded | undefined {
  let j = i + 1;
  // `&amp;#52;`, `&amp;amp;eacute;`: an encoded `&` in front of a reference.
  while (s.startsWith('amp;', j) && (s.charCodeAt(j + 4) === 0x23 || isAlnumAscii(s.charCodeAt(j + 4))))
    j += 4;
  const inner = referenceAt(s, j);
  if (inner) return inner;
  return j > i + 1 ? { text: '', end: i + 5 } : undefined; // a lone `&amp;`: punctuation
}

/** The reference that starts after its `&`, at `j`. */
function referenceAt(s: string, j: number): EntityDecoded | undefined {
  if (s.charCodeAt(j) === 0x23) {
    // Numeric: `&#52;`, `&#x34;` (the semicolon is optional in HTML).
    let k = j + 1;
    const hex = s.charCodeAt(k) === 0x78 || s.charCodeAt(k) === 0x58;
    if (hex) k++;
    let cp = 0;
    const digitsFrom = k;
    for (; k < s.length && k - digitsFrom < 8; k++) {
      const c = s.charCodeAt(k);
      const d = hex ? hexValue(c) : c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + d;
    }
    if (k === digitsFrom || cp > 0x10ffff) return undefined;
    if (s.charCodeAt(k) === 0x3b) k++;
    const text = cp >= 0x80 ? foldCodePoint(cp) : ASCII[cp] ? String.fromCharCode(ASCII[cp]!) : '';
    return { text, end: k };
  }
  let k = j;
  while (k < s.length && k - j <= 32 && isAlnumAscii(s.charCodeAt(k))) k++;
  if (k - j < 2 || s.charCodeAt(k) !== 0x3b) return undefined;
  const name = s.slice(j, k);
  const letter = LETTER_ENTITY.exec(name);
  const text = letter ? letter[1]!.toLowerCase() : (LIGATURES[name] ?? '');
  return { text, end: k + 1 };
}

/** A `\uXXXX` or `\xXX` escape at `i` (any number of backslashes: escaped escapes). */
function escapeAt(s: string, i: number): Decoded | undefined {
  let j = i;
  while (s.charCodeAt(j) === 0x5c) j++;
  const kind = s.charCodeAt(j);
  const digits = kind === 0x75 ? 4 : kind === 0x78 ? 2 : 0;
  if (digits === 0) return undefined;
  let cp = 0;
  for (let k = 1; k <= digits; k++) {
    const d = hexValue(s.charCodeAt(j + k));
    if (d < 0) return undefined;
    cp = cp * 16 + d;
  }
  return { cp, end: j + 1 + digits };
}

// ---------------------------------------------------------------------------------------------

interface Folded {
  text: string;
  /** Original [start, end) of each unit of `text` (scratch: valid until the next fold). */
  starts: Uint32Array;
  ends: Uint32Array;
}

/**
 * The canonical form of `s` (see the module comment), with each unit mapped back to `s`. With
 * `decode` false, encoded characters are read as the characters they are written with.
 */
function fold(s: string, decode = true): Folded {
  // Decoding only shrinks; compatibility decomposition can grow a character into several units.
  let buf = s.length <= shared.units.length ? shared : undefined;
  if (!buf) {
    buf = alloc(s.length + 16);
    if (s.length <= SCRATCH_MAX) shared = buf;
  }
  let n = 0;
  const push = (unit: number, start: number, end: number) => {
    if (n === buf!.units.length) {
      const bigger = alloc(buf!.units.length * 2);
      bigger.units.set(buf!.units);
      bigger.starts.set(buf!.starts);
      bigger.ends.set(buf!.ends);
      buf = bigger;
      if (bigger.units.length <= SCRATCH_MAX) shared = bigger;
    }
    buf!.units[n] = unit;
    buf!.starts[n] = start;
    buf!.ends[n] = end;
    n++;
  };
  const pushText = (text: string, start: number, end: number) => {
    for (let k = 0; k < text.length; k++) push(text.charCodeAt(k), start, end);
  };
  const pushCodePoint = (cp: number, start: number, end: number) => {
    if (cp < 0) return;
    if (cp < 0x80) {
      const f = ASCII[cp]!;
      if (f !== 0) push(f, start, end);
    } else pushText(foldCodePoint(cp), start, end);
  };

  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const f = ASCII[c]!;
      if (f !== 0) {
        push(f, i, i + 1);
        i++;
        continue;
      }
      const decoded = !decode
        ? undefined
        : c === 0x25
          ? percentAt(s, i)
          : c === 0x5c
            ? escapeAt(s, i)
            : undefined;
      if (decoded) {
        pushCodePoint(decoded.cp, i, decoded.end);
        i = decoded.end;
        continue;
      }
      const entity = decode && c === 0x26 ? entityAt(s, i) : undefined;
      if (entity) {
        pushText(entity.text, i, entity.end);
        i = entity.end;
        continue;
      }
      i++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    pushText(foldCodePoint(cp), i, i + len);
    i += len;
  }
  return {
    text: Buffer.from(buf.units.buffer, buf.units.byteOffset, n * 2).toString('utf16le'),
    starts: buf.starts,
    ends: buf.ends,
  };
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
  const found = search(fold(haystack), needles);
  // Decoding can also hide a value: in `50%4520 1234` the `%45` reads as `E`. Text that holds an
  // escape character is therefore searched as written too, and both readings are masked.
  if (/[%&\\]/.test(haystack)) found.push(...search(fold(haystack, false), needles));
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  // One original character can fold to several units (`ﬃ` → `ffi`), and the two readings overlap:
  // a hit that starts inside the previous one starts where it ends.
  const out: Found<T>[] = [];
  let last = 0;
  for (const { start, end, tag } of found) {
    const from = Math.max(start, last);
    if (from >= end) continue;
    out.push({ start: from, end, tag });
    last = end;
  }
  return out;
}

/** Non-overlapping hits in one folded text, needles tried in the order given. */
function search<T>(folded: Folded, needles: readonly SearchNeedle<T>[]): Found<T>[] {
  let claimed: Uint8Array | undefined;
  const found: Found<T>[] = [];
  for (const needle of needles) {
    const len = needle.key.length;
    if (len === 0) continue;
    for (let at = folded.text.indexOf(needle.key); at !== -1; at = folded.text.indexOf(needle.key, at + 1)) {
      claimed ??= new Uint8Array(folded.text.length);
      if (claimed.subarray(at, at + len).some((x) => x === 1)) continue;
      claimed.fill(1, at, at + len);
      found.push({ start: folded.starts[at]!, end: folded.ends[at + len - 1]!, tag: needle.tag });
    }
  }
  return found;
}
