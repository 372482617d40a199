/**
 * Masking of DLP sensitive findings (reference §12.3, masking checklist). Runs before anything is
 * written or logged.
 *
 * What is sensitive: every value of every `DetectedValues` item under any
 * `SensitiveInformationDetections` (PolicyDetails[].Rules[].ConditionsMatched.SensitiveInformation[]
 * and EndpointMetaData.SensitiveInformation[] are the documented places). The block is read however
 * it is sent: as an object or as JSON text, with `DetectedValues` an array, a single item or JSON
 * text, and items whose members are strings, numbers or nested objects and arrays (every leaf is a
 * value). `Name` (and anything under it) is the matched value; `Value` (and any other member) is a
 * context excerpt around it. Those values are then hunted everywhere else in the record: every
 * string value at any depth (subject, file names, ObjectId, Location, DocumentProperties,
 * ExceptionInfo as object or JSON text, ...). Keys are not values and are left alone; so are
 * booleans and short numbers (counts, confidences, ResultsTruncated). A number of 8+ digits that
 * holds a detected value is replaced by its token.
 *
 * Matching sees through the ways a value gets re-spelled (find-values.ts): percent-encoding,
 * HTML character references, `\u` escapes, Unicode normalisation forms, letter case, and any
 * punctuation or blanks between letters and digits — so "4111 1111 1111 1111", "4111%201111…",
 * "&#52;111111111111111" and "4111111111111111" are one value, and so are "John Smith",
 * "john+smith" and "JOHN%20SMITH", and "(425) 555-0100" and "425.555.0100". It errs on the side of
 * masking a little more than needed.
 *
 * Styles for the matched value: redact → `[REDACTED]`; partial → stars and the last 4 characters
 * of the normalised value (values shorter than 8 are fully starred so partial never shows most of a
 * value); hash → `hmac-sha256:<hex>` of the normalised value, so equal values stay correlatable
 * across records without being readable. Context excerpts are always fully redacted.
 *
 * Idempotent: mask tokens are recognised and never re-masked or used as search needles.
 */
import { createHmac } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { MaskConfig } from '../config.js';
import { findValues, searchKey, type SearchNeedle } from './find-values.js';

export const REDACTED = '[REDACTED]';
const HASH_PREFIX = 'hmac-sha256:';
/** Shorter detected values are masked where detected but not hunted elsewhere: "abc" would shred the record. */
export const MIN_SEARCH_LENGTH = 4;

/** Everything that is neither a letter nor a digit: what separates the groups of a number. */
const SEPARATORS = /[^\p{L}\p{N}]+/gu;
const TOKEN = /^(?:\[REDACTED\]|\*+[^*]{0,4}|hmac-sha256:[0-9a-f]{64})$/;

export interface MaskResult<T> {
  /**
   * The input with every finding masked: a new value when there were findings to mask, otherwise
   * the input itself (see maskFindings).
   */
  record: T;
  /** Strings replaced (DetectedValues members plus occurrences elsewhere). */
  maskedValues: number;
}

export function isMaskToken(s: string): boolean {
  return TOKEN.test(s);
}

function isDigitsLike(value: string): boolean {
  const compact = value.replace(SEPARATORS, '');
  const digits = compact.replace(/\D/g, '').length;
  return digits >= 4 && digits / compact.length >= 0.6;
}

/**
 * The form a value is hashed and partially shown in: compatibility-normalised (NFKC), case folded,
 * separators dropped for digit-like values.
 */
export function normaliseValue(value: string): string {
  const v = value.normalize('NFKC');
  return isDigitsLike(v) ? v.replace(SEPARATORS, '').toLowerCase() : v.trim().toLowerCase();
}

interface Needle {
  kind: 'matched' | 'context';
  text: string;
}

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseJsonText(s: string): Json {
  const t = s.trimStart();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(s) as Json;
  } catch {
    return undefined; // not JSON after all: plain text, searched as such
  }
}

function setOwn(target: JsonObject, key: string, value: Json): void {
  // A JSON key "__proto__" must stay data, not become the copy's prototype.
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A detections block as sent: an object, or JSON text of one. */
function detectionsBlock(v: Json): JsonObject | undefined {
  const block = typeof v === 'string' ? parseJsonText(v) : v;
  return isObject(block) && 'DetectedValues' in block ? block : undefined;
}

/** The items of a `DetectedValues`: an array, one item, or JSON text of either. */
function detectedItems(v: Json): Json[] {
  const items = typeof v === 'string' ? (parseJsonText(v) ?? v) : v;
  return Array.isArray(items) ? items : [items];
}

/** Every leaf (string or finite number) of a detected item, with whether it is the matched value. */
function forEachLeaf(v: Json, matched: boolean, visit: (text: string, matched: boolean) => void): void {
  if (typeof v === 'string') visit(v, matched);
  else if (typeof v === 'number' && Number.isFinite(v)) visit(String(v), matched);
  else if (Array.isArray(v)) for (const x of v) forEachLeaf(x, matched, visit);
  else if (isObject(v))
    for (const [k, x] of Object.entries(v)) forEachLeaf(x, matched || isMatchedKey(k), visit);
}

/** Visit every detected value of a value (including inside JSON text that mentions them). */
function forEachDetectedValue(value: Json, visit: (text: string, matched: boolean) => void): number {
  let items = 0;
  const walk = (v: Json): void => {
    if (typeof v === 'string') {
      if (v.includes('DetectedValues')) {
        const parsed = parseJsonText(v);
        if (parsed !== undefined) walk(parsed);
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!isObject(v)) return;
    for (const [key, x] of Object.entries(v)) {
      const block = key === 'SensitiveInformationDetections' ? detectionsBlock(x) : undefined;
      if (block) {
        for (const item of detectedItems(block.DetectedValues)) {
          items++;
          if (isObject(item))
            for (const [k, leaf] of Object.entries(item)) forEachLeaf(leaf, isMatchedKey(k), visit);
          else forEachLeaf(item, true, visit); // a bare value in the list is the matched value itself
        }
      }
      walk(x);
    }
  };
  walk(value);
  return items;
}

const isMatchedKey = (key: string): boolean => key.toLowerCase() === 'name';

class Masker {
  count = 0;
  private readonly needles: SearchNeedle<Needle>[];

  constructor(
    private readonly cfg: MaskConfig,
    found: Needle[],
  ) {
    const byKey = new Map<string, SearchNeedle<Needle>>();
    for (const f of found) {
      const key = searchKey(f.text);
      if (key.length < MIN_SEARCH_LENGTH || isMaskToken(f.text.trim()) || byKey.has(key)) continue;
      byKey.set(key, { key, tag: f });
    }
    // Longest first: a context excerpt wins over the value it contains.
    this.needles = [...byKey.values()].sort((a, b) => b.key.length - a.key.length);
  }

  maskMatched(value: string): string {
    const norm = normaliseValue(value);
    switch (this.cfg.style) {
      case 'redact':
        return REDACTED;
      case 'partial':
        return norm.length >= 8
          ? '*'.repeat(norm.length - 4) + norm.slice(-4)
          : '*'.repeat(Math.max(norm.length, 1));
      case 'hash': {
        if (this.cfg.hashKey === undefined)
          throw new ConfigError(['O365_MASK_HASH_KEY: is required when O365_MASK_STYLE is hash']);
        return HASH_PREFIX + createHmac('sha256', this.cfg.hashKey).update(norm).digest('hex');
      }
    }
  }

  /** Replace every occurrence of a needle inside free text. */
  private maskText(s: string): string {
    if (this.needles.length === 0) return s;
    let text = s;
    const parsed = parseJsonText(s);
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
      // JSON sent as text: mask its string values structurally (escapes such as \u0034 hide a
      // value from a text search), then still search the text for values held as JSON numbers.
      const before = this.count;
      const masked = this.copy(parsed);
      if (this.count !== before) text = JSON.stringify(masked);
    }
    const hits = findValues(text, this.needles, MIN_SEARCH_LENGTH);
    if (hits.length === 0) return text;
    let out = '';
    let last = 0;
    for (const hit of hits) {
      out +=
        text.slice(last, hit.start) +
        (hit.tag.kind === 'matched' ? this.maskMatched(hit.tag.text) : REDACTED);
      last = hit.end;
    }
    this.count += hits.length;
    return out + text.slice(last);
  }

  /**
   * A long number (8+ digits: never a count or confidence) that holds a detected value, e.g. a
   * card number serialised as a JSON number, becomes the mask token, a string.
   */
  private maskNumber(n: number): Json {
    if (this.needles.length === 0 || !Number.isInteger(n) || Math.abs(n) < 10_000_000) return n;
    const text = String(n);
    const masked = this.maskText(text);
    return masked === text ? n : masked;
  }

  /** Every leaf of a detected item masked: the matched value by style, context fully redacted. */
  private maskDetectedLeaves(v: Json, matched: boolean): Json {
    if ((typeof v === 'string' && !isMaskToken(v)) || (typeof v === 'number' && Number.isFinite(v))) {
      this.count++;
      return matched ? this.maskMatched(String(v)) : REDACTED;
    }
    if (Array.isArray(v)) return v.map((x) => this.maskDetectedLeaves(x, matched));
    if (!isObject(v)) return v;
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v))
      setOwn(out, k, this.maskDetectedLeaves(x, matched || isMatchedKey(k)));
    return out;
  }

  /** A detections block masked, in the shape it came in (JSON text stays JSON text). */
  private maskDetections(original: Json, block: JsonObject): Json {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(block)) {
      if (k !== 'DetectedValues') {
        setOwn(out, k, this.copy(v));
        continue;
      }
      const items = detectedItems(v).map((item) =>
        isObject(item) ? this.maskDetectedLeaves(item, false) : this.maskDetectedLeaves(item, true),
      );
      const shaped = Array.isArray(typeof v === 'string' ? (parseJsonText(v) ?? v) : v) ? items : items[0];
      setOwn(out, k, typeof v === 'string' ? JSON.stringify(shaped) : shaped);
    }
    return typeof original === 'string' ? JSON.stringify(out) : out;
  }

  copy(value: Json): Json {
    if (typeof value === 'string') return this.maskText(value);
    if (typeof value === 'number') return this.maskNumber(value);
    if (Array.isArray(value)) return value.map((v) => this.copy(v));
    if (!isObject(value)) return value;
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      const block = key === 'SensitiveInformationDetections' ? detectionsBlock(v) : undefined;
      setOwn(out, key, block ? this.maskDetections(v, block) : this.copy(v));
    }
    return out;
  }
}

/**
 * Mask the DLP findings of a record (any JSON value is accepted, so non-object array elements
 * written through as invalid are masked too).
 *
 * Never mutates its input. With findings, the result is a new value sharing no object with the
 * input. When masking is off or the record has no findings, the result is the input itself, not
 * a copy: the parser hands over records that nobody else holds, and a deep clone of every record
 * without findings was a measurable share of the processor's CPU (docs/performance.md,
 * "Findings"). A caller that changes the result and still needs the original must copy first.
 */
export function maskFindings<T>(record: T, cfg: MaskConfig): MaskResult<T> {
  if (!cfg.enabled) return { record, maskedValues: 0 };
  const found: Needle[] = [];
  const items = forEachDetectedValue(record, (text, matched) =>
    found.push({ kind: matched ? 'matched' : 'context', text }),
  );
  if (items === 0) return { record, maskedValues: 0 };
  const masker = new Masker(cfg, found);
  const copy = masker.copy(record) as T;
  return { record: copy, maskedValues: masker.count };
}
