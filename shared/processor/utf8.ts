/**
 * Incremental UTF-8 validation for a byte stream that arrives in arbitrary chunks. The JSON
 * tokenizer decodes bytes itself and would let a broken sequence through as garbage; a content
 * blob with invalid UTF-8 is a broken blob and must fail loudly, saying where.
 */
import { isUtf8 } from 'node:buffer';

export interface Utf8Problem {
  /** Absolute byte offset of the first byte of the bad sequence. */
  offset: number;
}

export interface Utf8Validator {
  /** Validate the next chunk; returns the problem or undefined. */
  push(chunk: Uint8Array): Utf8Problem | undefined;
  /** The stream ended; a dangling partial sequence is a problem. */
  end(): Utf8Problem | undefined;
}

/** Expected length of the sequence a lead byte starts, or 0 for a continuation/invalid byte. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Where a chunk may be cut so that the tail (at most 3 bytes) is an incomplete but plausible sequence. */
function completePrefixLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for its lead
    const need = sequenceLength(b);
    return need > back ? n - back : n;
  }
  return n;
}

/** First offending byte in `bytes` (slow path, only used to report an error). */
function firstInvalidOffset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const need = sequenceLength(bytes[i]!);
    if (need === 0 || i + need > bytes.length) return i;
    if (!isUtf8(bytes.subarray(i, i + need))) return i;
    i += need;
  }
  return bytes.length;
}

export function createUtf8Validator(): Utf8Validator {
  let carry: Uint8Array = new Uint8Array(0);
  let consumed = 0; // bytes validated before `carry`
  return {
    push(chunk) {
      const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const cut = completePrefixLength(bytes);
      const head = bytes.subarray(0, cut);
      if (!isUtf8(head)) return { offset: consumed + firstInvalidOffset(head) };
      consumed += cut;
      carry = Uint8Array.from(bytes.subarray(cut));
      return undefined;
    },
    end() {
      return carry.length === 0 ? undefined : { offset: consumed };
    },
  };
}
