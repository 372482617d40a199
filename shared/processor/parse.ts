/**
 * Streaming parse of a content blob: a JSON array of audit records, possibly many megabytes. Each
 * top-level element is yielded as soon as its closing token arrives and is then forgotten by the
 * parser (`keepStack: false`), so memory is bounded by the largest record, not by the body.
 */
import { TokenParser, TokenType, Tokenizer } from '@streamparser/json';
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

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
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
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: ['$.*'], keepStack: false });
  const utf8 = createUtf8Validator();

  let failure: MalformedBodyError | undefined;
  let depth = 0;
  let started = false;
  let closed = false;
  let lastOffset = 0;
  let bytesSeen = 0;
  let index = 0;
  const ready: ParsedItem[] = [];

  const fail = (message: string, offset: number): void => {
    failure ??= new MalformedBodyError(message, offset);
  };

  tokenizer.onToken = (info) => {
    if (failure) return;
    lastOffset = info.offset;
    if (closed) return fail('unexpected data after the end of the top-level array', info.offset);
    if (!started) {
      if (info.token !== TokenType.LEFT_BRACKET) {
        return fail(`expected a JSON array, found ${TokenType[info.token]}`, info.offset);
      }
      started = true;
    }
    if (info.token === TokenType.LEFT_BRACE || info.token === TokenType.LEFT_BRACKET) {
      depth++;
      if (depth > maxDepth) return fail(`nesting deeper than ${maxDepth} levels`, info.offset);
    } else if (info.token === TokenType.RIGHT_BRACE || info.token === TokenType.RIGHT_BRACKET) {
      depth--;
      if (depth === 0) closed = true;
    }
    parser.write(info);
  };
  tokenizer.onError = (err) => fail(err.message, lastOffset);
  parser.onError = (err) => fail(err.message, lastOffset);
  parser.onValue = ({ value }) => {
    const at = index++;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      ready.push({ kind: 'record', index: at, record: value });
    } else {
      ready.push({
        kind: 'invalid',
        index: at,
        raw: value,
        reason: `element is ${describe(value)}, not an object`,
      });
    }
  };

  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      tokenizer.write(chunk);
      bytesSeen += Buffer.byteLength(chunk);
    } else {
      const problem = utf8.push(chunk);
      if (problem) fail('invalid UTF-8 byte sequence', problem.offset);
      else tokenizer.write(chunk);
      bytesSeen += chunk.length;
    }
    if (failure) throw failure;
    yield* drain(ready);
  }

  const dangling = utf8.end();
  if (dangling) fail('body ends inside a UTF-8 multi-byte sequence', dangling.offset);
  if (!failure) tokenizer.end();
  if (!failure && !started) fail('empty body, expected a JSON array', bytesSeen);
  if (!failure && !closed) fail(`body ends before the top-level array is closed (depth ${depth})`, bytesSeen);
  if (failure) throw failure;
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
