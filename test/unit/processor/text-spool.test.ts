import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTextSpool } from '../../../shared/processor/text-spool.js';

describe('createTextSpool', () => {
  it('gives back what was pushed, in order, as UTF-8; skipped text is dropped', () => {
    const spool = createTextSpool(16);
    const texts = ['{"a":1}\n', 'é€😀\n', '', 'x'.repeat(40), 'tail\n'];
    const sizes = texts.map((t) => spool.push(t));
    expect(sizes).toEqual(texts.map((t) => Buffer.byteLength(t)));
    const out: Buffer[] = [];
    out.push(Buffer.from(spool.take(sizes[0]!)));
    spool.skip(sizes[1]!);
    for (const n of sizes.slice(2)) out.push(Buffer.from(spool.take(n)));
    expect(Buffer.concat(out).toString('utf8')).toBe(['{"a":1}\n', '', 'x'.repeat(40), 'tail\n'].join(''));
  });

  it('refuses to read past what was written', () => {
    const spool = createTextSpool(16);
    spool.push('abc');
    expect(() => spool.take(4)).toThrow(/past what was written/);
  });

  it('property: interleaved pushes and reads come out as a FIFO, whatever the slab size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constant(null)), {
          maxLength: 80,
        }),
        (slab, ops) => {
          const spool = createTextSpool(slab);
          const queue: { text: string; bytes: number }[] = [];
          let expected = '';
          let got = '';
          const readOne = () => {
            const next = queue.shift();
            if (!next) return;
            got += spool.take(next.bytes).toString('utf8');
            expected += next.text;
          };
          // null = read the oldest text; a string = push it.
          for (const op of ops) {
            if (op === null) readOne();
            else queue.push({ text: op, bytes: spool.push(op) });
          }
          while (queue.length > 0) readOne();
          expect(got).toBe(expected);
        },
      ),
    );
  });
});
