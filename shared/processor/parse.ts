/**
 * Streaming parse of a content blob: a JSON array of audit records, possibly many megabytes.
 *
 * A byte scanner walks the body, checking the array's own syntax (the brackets and the commas
 * between elements) and, inside each top-level element, tracking only strings, escapes and depth
 * to find where the element ends. The element's bytes are then cut out and given to `JSON.parse`,
 * which validates them and builds the value natively. Memory is bounded by the largest element,
 * not by the body. This replaced a token-by-token streaming parser (@streamparser/json) that cost
 * ~8.5× `JSON.parse` (docs/performance.md, "Findings").
 */
import { PipelineError, type ErrorFacts } from '../errors.js';
import { createUtf8Validator } from './utf8.js';

/** An audit record as it came off the wire: a JSON object, otherwise untyped. */
export type AuditRecord = Record<string, unknown>;

export type ParsedItem =
  | { kind: 'record'; index: number; record: AuditRecord }
  /** A top-level element that is not an object: written through with an error, never dropped. */
  | { kind: 'invalid'; index: number; raw: unknown; reason: string };

/**
 * The body is not a complete JSON array of values. Retryable: the API has served truncated and
 * garbled bodies transiently, and the next GET of the same contentUri may well be whole.
 */
export class MalformedBodyError extends PipelineError {
  /** Byte offset in the body where parsing stopped. */
  readonly offset: number;
  constructor(message: string, offset: number, facts: Omit<ErrorFacts, 'retryable'> = {}) {
    super(`Malformed content body at byte ${offset}: ${message}`, { ...facts, retryable: true });
    this.offset = offset;
  }
}

export interface ParseOptions {
  /** Deepest nesting accepted (the top-level array counts as 1). Real records stay under ~15. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Where a number or literal (`true`, `false`, `null`, or garbage) at the top level stops. */
const endsScalar = (c: number): boolean =>
  isWhitespace(c) ||
  c === COMMA ||
  c === CLOSE_BRACKET ||
  c === OPEN_BRACKET ||
  c === OPEN_BRACE ||
  c === CLOSE_BRACE ||
  c === QUOTE ||
  c === COLON;

/** One byte for an error message: never more, since the body may hold unmasked findings. */
function show(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Where the scanner stands in the top-level array. */
const At = {
  /** Nothing but whitespace so far. */
  Start: 0,
  /** After `[`: an element or `]`. */
  Open: 1,
  /** After `,`: an element. */
  Comma: 2,
  /** After an element: `,` or `]`. */
  Element: 3,
  /** After the closing `]`: whitespace only. */
  Closed: 4,
  /** Inside an element that is an object, an array or a string. */
  InNested: 5,
  /** Inside an element that is a number or a literal. */
  InScalar: 6,
} as const;
type At = (typeof At)[keyof typeof At];

/**
 * `JSON.parse` failed on one element. Its message gives a position inside the element for most
 * errors, which becomes a body offset; the excerpt of the input it quotes for some errors is
 * dropped, as it may hold an unmasked finding (so the SyntaxError is not kept as `cause` either).
 */
function elementError(err: unknown, text: string, start: number, index: number): MalformedBodyError {
  const message = err instanceof Error ? err.message : String(err);
  const at = /\s*\b(?:in|after) JSON at position (\d+)/.exec(message);
  if (at) {
    const position = Number(at[1]);
    const offset = start + Buffer.byteLength(text.slice(0, position));
    return new MalformedBodyError(`element ${index}: ${message.slice(0, at.index)}`, offset);
  }
  if (message.startsWith('Unexpected end of JSON input')) {
    return new MalformedBodyError(`element ${index}: unexpected end`, start + Buffer.byteLength(text));
  }
  // "Unexpected token 'x', "…excerpt…" is not valid JSON": no position; point at the element.
  const reason = message.replace(/,\s*(?:\.\.\.)?".*$/s, '');
  return new MalformedBodyError(`element ${index} (starting here) is not valid JSON: ${reason}`, start);
}

/**
 * Splits the body into top-level elements as chunks arrive, checking the array's syntax between
 * them. Kept apart from the async generator so the byte loops run in plain, optimisable methods.
 */
class ElementSplitter {
  private at: At = At.Start;
  /** Nesting depth, the top-level array counting as 1. */
  private depth = 0;
  private inString = false;
  /** The previous chunk ended on a backslash inside a string: skip the next byte. */
  private escaped = false;
  /** Body offset of the next chunk's first byte. */
  private base = 0;
  /** Body offset of the current element's first byte. */
  private elementStart = 0;
  /** Bytes of the current element from earlier chunks. */
  private pending: Buffer[] = [];
  private index = 0;

  constructor(
    private readonly maxDepth: number,
    private readonly emit: (item: ParsedItem) => void,
  ) {}

  push(buf: Buffer): void {
    const n = buf.length;
    let i = 0;
    let from = 0; // where the current element's bytes start in this chunk
    while (i < n) {
      if (this.at === At.InNested || this.at === At.InScalar) {
        const end = this.at === At.InNested ? this.scanNested(buf, i) : this.scanScalar(buf, i);
        if (end < 0) {
          this.pending.push(buf.subarray(from));
          break;
        }
        this.finishElement(buf, from, end);
        this.at = At.Element;
        i = end;
        continue;
      }
      const c = buf[i]!;
      if (isWhitespace(c)) {
        i++;
        continue;
      }
      switch (this.at) {
        case At.Start:
          if (c !== OPEN_BRACKET) throw this.fail(`expected a JSON array, found ${show(c)}`, i);
          this.depth = 1;
          if (this.depth > this.maxDepth) throw this.fail(`nesting deeper than ${this.maxDepth} levels`, i);
          this.at = At.Open;
          i++;
          break;
        case At.Open:
        case At.Comma:
          if (c === CLOSE_BRACKET && this.at === At.Open) {
            this.close();
            i++;
            break;
          }
          if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || c === COLON) {
            throw this.fail(`expected an array element, found ${show(c)}`, i);
          }
          // The element's first byte is scanned by scanNested/scanScalar on the next turn.
          from = i;
          this.elementStart = this.base + i;
          this.depth = 1;
          this.inString = false;
          this.at = c === OPEN_BRACE || c === OPEN_BRACKET || c === QUOTE ? At.InNested : At.InScalar;
          break;
        case At.Element:
          if (c === COMMA) this.at = At.Comma;
          else if (c === CLOSE_BRACKET) this.close();
          else throw this.fail(`expected ',' or ']' after element ${this.index - 1}, found ${show(c)}`, i);
          i++;
          break;
        case At.Closed:
          throw this.fail('unexpected data after the end of the top-level array', i);
      }
    }
    this.base += n;
  }

  /** The body ended: it must have been exactly one closed array. */
  end(): void {
    if (this.at === At.Start) throw new MalformedBodyError('empty body, expected a JSON array', this.base);
    if (this.at !== At.Closed) {
      throw new MalformedBodyError(
        `body ends before the top-level array is closed (depth ${this.depth})`,
        this.base,
      );
    }
  }

  private close(): void {
    this.at = At.Closed;
    this.depth = 0;
  }

  private fail(message: string, i: number): MalformedBodyError {
    return new MalformedBodyError(message, this.base + i);
  }

  /**
   * Scan an object, array or string element from `i` (its first byte, or where the previous
   * chunk left off); returns the index just past its last byte, or -1 if this chunk ends first.
   * Only quotes, backslashes inside strings and brackets outside strings matter here: whatever
   * else is wrong with the element is JSON.parse's to find.
   */
  private scanNested(buf: Buffer, i: number): number {
    const n = buf.length;
    let depth = this.depth;
    let inString = this.inString;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    while (i < n) {
      const c = buf[i]!;
      if (inString) {
        if (c === BACKSLASH) {
          i += 2;
          continue;
        }
        if (c === QUOTE) {
          inString = false;
          if (depth === 1) return this.leave(i + 1);
        }
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > this.maxDepth) throw this.fail(`nesting deeper than ${this.maxDepth} levels`, i);
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 1) return this.leave(i + 1);
      }
      i++;
    }
    // A backslash as the chunk's last byte escapes the next chunk's first.
    this.escaped = i > n;
    this.depth = depth;
    this.inString = inString;
    return -1;
  }

  private leave(end: number): number {
    this.depth = 1;
    this.inString = false;
    return end;
  }

  /** Like scanNested, for a number or literal: it ends at whitespace or punctuation, not at the chunk's end. */
  private scanScalar(buf: Buffer, i: number): number {
    const n = buf.length;
    while (i < n && !endsScalar(buf[i]!)) i++;
    return i < n ? i : -1;
  }

  private finishElement(buf: Buffer, from: number, end: number): void {
    let text: string;
    if (this.pending.length === 0) {
      text = buf.toString('utf8', from, end);
    } else {
      this.pending.push(buf.subarray(from, end));
      text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
    }
    const index = this.index++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw elementError(err, text, this.elementStart, index);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      this.emit({ kind: 'record', index, record: value as AuditRecord });
    } else {
      this.emit({
        kind: 'invalid',
        index,
        raw: value,
        reason: `element is ${describe(value)}, not an object`,
      });
    }
  }
}

/**
 * Parse a JSON array body from a byte or text stream (e.g. a Node `Readable`), yielding one item
 * per top-level element. Throws `MalformedBodyError` when the body is not a JSON array, is
 * truncated, is not valid JSON or UTF-8, or nests deeper than `maxDepth`.
 */
export async function* parseRecords(
  source: AsyncIterable<Uint8Array | string>,
  options: ParseOptions = {},
): AsyncGenerator<ParsedItem> {
  const ready: ParsedItem[] = [];
  const splitter = new ElementSplitter(options.maxDepth ?? DEFAULT_MAX_DEPTH, (item) => ready.push(item));
  const utf8 = createUtf8Validator();
  // A text chunk may end between the two halves of a surrogate pair; encoding the half alone
  // would turn the character into U+FFFD.
  let highSurrogate = '';

  for await (const chunk of source) {
    let bytes: Buffer;
    if (typeof chunk === 'string') {
      let text = highSurrogate + chunk;
      highSurrogate = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        highSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      bytes = Buffer.from(text, 'utf8');
    } else {
      const problem = utf8.push(chunk);
      if (problem) throw new MalformedBodyError('invalid UTF-8 byte sequence', problem.offset);
      bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    if (bytes.length === 0) continue;
    splitter.push(bytes);
    yield* drain(ready);
  }

  const dangling = utf8.end();
  if (dangling) throw new MalformedBodyError('body ends inside a UTF-8 multi-byte sequence', dangling.offset);
  if (highSurrogate) splitter.push(Buffer.from(highSurrogate, 'utf8'));
  splitter.end();
  yield* drain(ready);
}

/** Hand out what one chunk completed, releasing each item as it goes. */
function* drain(ready: ParsedItem[]): Generator<ParsedItem> {
  const items = ready.splice(0, ready.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    items[i] = undefined as unknown as ParsedItem;
    yield item;
  }
}
