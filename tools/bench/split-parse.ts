/**
 * A PROTOTYPE, used only to size a suggestion in the benchmark report: split a JSON array body
 * into its top-level elements with a byte scanner (strings, escapes and depth only), and
 * JSON.parse each element. Memory stays bounded by the largest element, like the product's
 * streaming parser; the per-token work moves into V8's native JSON.parse. It does not validate
 * UTF-8 or report offsets the way shared/processor/parse.ts does.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export async function* splitParse(source: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pending: Buffer[] = [];
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = depth >= 2 ? 0 : -1;
    const out: unknown[] = [];
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
        if (depth === 2) start = i;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 1) {
          const piece = buf.subarray(start, i + 1);
          const text =
            pending.length > 0 ? Buffer.concat([...pending, piece]).toString('utf8') : piece.toString('utf8');
          pending = [];
          out.push(JSON.parse(text));
          start = -1;
        }
      }
    }
    if (depth >= 2 && start >= 0) pending.push(buf.subarray(start));
    yield* out;
  }
}
