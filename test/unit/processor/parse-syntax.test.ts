/**
 * The array syntax the element scanner checks itself (separators, what may stand between
 * elements) and the string, escape and bracket cases where it must find an element's end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MalformedBodyError,
  parseRecords,
  type ParsedItem,
  type ParseOptions,
} from '../../../shared/processor/parse.js';
import { asAsync, chunked, collect } from './helpers.js';

async function parseFailure(
  source: AsyncIterable<Uint8Array | string>,
  options?: ParseOptions,
): Promise<MalformedBodyError> {
  try {
    await collect(parseRecords(source, options));
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedBodyError);
    return err as MalformedBodyError;
  }
  throw new Error('expected the parse to fail');
}

const once = (body: string) => asAsync([Buffer.from(body)]);
const values = (items: ParsedItem[]) => items.map((i) => (i.kind === 'record' ? i.record : i.raw));

/** Strings holding quotes, backslashes and brackets; scalars; nesting; multi-byte characters. */
const tricky = [
  { Id: 'q', s: 'say "hi" \\ and \\"', t: '\\' },
  { Id: 'b', s: ']}[{', u: '"]"', nested: [{ a: '}' }, ['[']] },
  1.5e3,
  '] "string" element [',
  null,
  { Id: 'e', s: '€𝄞ü\n\t\u0000\u001f', empty: '', o: {}, a: [] },
  true,
  [],
];
const trickyBody = ` \n[ ${tricky.map((v) => JSON.stringify(v)).join(' ,\r\n\t')} ]\n`;

describe('parseRecords array syntax', () => {
  it('rejects missing, doubled, leading and trailing separators, saying where', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['[{} {}]', 4, /expected ',' or ']' after element 0, found '\{'/],
      ['[{}{}]', 3, /expected ',' or ']'/],
      ['[,{}]', 1, /expected an array element, found ','/],
      ['[{},]', 4, /expected an array element, found '\]'/],
      ['[{},,{}]', 4, /expected an array element, found ','/],
      ['[1 2]', 3, /expected ',' or ']' after element 0, found '2'/],
      ['["a" "b"]', 5, /expected ',' or ']'/],
      ['[{}:{}]', 3, /found ':'/],
      ['[{}}', 3, /found '\}'/],
      ['[}]', 1, /expected an array element/],
      ['[1[2]]', 2, /expected ',' or ']'/],
    ];
    for (const [body, offset, message] of cases) {
      const err = await parseFailure(once(body));
      expect([body, err.offset]).toEqual([body, offset]);
      expect(err.message).toMatch(message);
    }
  });

  it('accepts JSON whitespace anywhere between tokens of the array', async () => {
    const items = await collect(parseRecords(once(' \t\r\n[\n\t{"Id":"a"}\r\n,\t{"Id":"b"} ,2 \n]\r\n ')));
    expect(values(items)).toEqual([{ Id: 'a' }, { Id: 'b' }, 2]);
  });

  it('yields scalars at the top level as invalid items and refuses broken ones', async () => {
    const items = await collect(parseRecords(once('[1,"a",null,-0.5e-3,false]')));
    expect(items.every((i) => i.kind === 'invalid')).toBe(true);
    expect(values(items)).toEqual([1, 'a', null, -0.5e-3, false]);
    expect((await parseFailure(once('[tru]'))).offset).toBe(4);
    expect((await parseFailure(once('[{},1x]'))).offset).toBe(5);
    expect((await parseFailure(once('[01]'))).offset).toBe(2);
    expect((await parseFailure(once('[{}, -]'))).offset).toBe(6);
    expect((await parseFailure(once('["a\\q"]'))).offset).toBe(4);
  });

  it('finds element ends past quotes, backslashes and brackets inside strings', async () => {
    expect(values(await collect(parseRecords(once(trickyBody))))).toEqual(tricky);
  });

  it('parses the same for the body split into two or three chunks at every byte position', async () => {
    const bytes = Buffer.from(trickyBody);
    for (let a = 1; a < bytes.length; a++) {
      const two = await collect(parseRecords(asAsync([bytes.subarray(0, a), bytes.subarray(a)])));
      expect(values(two)).toEqual(tricky);
      const b = Math.min(bytes.length - 1, a + 1 + (a % 7));
      if (b <= a) continue;
      const three = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
      expect(values(await collect(parseRecords(asAsync(three))))).toEqual(tricky);
    }
  });

  it('parses the same from text chunks split at every position, even inside a surrogate pair', async () => {
    for (let a = 1; a < trickyBody.length; a++) {
      const items = await collect(parseRecords(asAsync([trickyBody.slice(0, a), trickyBody.slice(a)])));
      expect(values(items)).toEqual(tricky);
    }
  });

  it('skips empty chunks', async () => {
    const chunks: Array<Uint8Array | string> = [
      Buffer.alloc(0),
      Buffer.from('[{"a":"x\\'),
      Buffer.alloc(0),
      Buffer.from('"y"}]'),
      '',
    ];
    expect(values(await collect(parseRecords(asAsync(chunks))))).toEqual([{ a: 'x"y' }]);
  });

  it('refuses a body truncated inside a string, an escape, a scalar or between elements', async () => {
    for (const body of ['[{"a":"x', '[{"a":"x\\', '["x', '[12', '[{},', '[{}', '[']) {
      const err = await parseFailure(once(body));
      expect(err.message).toMatch(/body ends before the top-level array is closed/);
      expect(err.offset).toBe(Buffer.byteLength(body));
    }
  });

  it('translates a JSON error inside an element to a body byte offset', async () => {
    // "€" is 3 bytes but 1 UTF-16 unit: the offset must count bytes.
    const body = '[{"Id":"a"}, {"n":"€€","a":1 "b":2}]';
    const err = await parseFailure(once(body));
    expect(err.offset).toBe(Buffer.from(body).indexOf('"b"'));
    expect(err.message).toMatch(/element 1: Expected ',' or '\}' after property value$/);
  });

  it('points at the element when JSON.parse gives no position, without quoting the record', async () => {
    const body = '[{"Id":"a"}, {"Secret":"4111 1111 1111 1111", "x": tru}]';
    const err = await parseFailure(once(body));
    expect(err.offset).toBe(13);
    expect(err.message).toMatch(/element 1 \(starting here\) is not valid JSON: Unexpected token/);
    expect(err.message).not.toMatch(/4111|Secret/);
  });

  it('checks the depth limit inside elements at the offending bracket', async () => {
    const err = await parseFailure(once('[{"s":"[[[[","a":[[{}]]}]'), { maxDepth: 4 });
    expect(err.offset).toBe(19);
    expect(err.message).toMatch(/nesting deeper than 4 levels/);
  });

  it('keeps a "__proto__" key as an own data property', async () => {
    const [item] = await collect(parseRecords(once('[{"__proto__":{"polluted":true},"Id":"p"}]')));
    const record = item!.kind === 'record' ? item!.record : {};
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__', 'Id']);
  });

  it('property: accepts an edited body exactly when JSON.parse reads it as an array, with the same values', async () => {
    const edits = fc.constantFrom(...' \t\n,:[]{}"\\0-1.eEtrufalsn'.split(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
        fc.nat(),
        edits,
        fc.constantFrom('replace', 'insert', 'delete'),
        fc.integer({ min: 1, max: 9 }),
        async (elements, at, ch, op, chunkSize) => {
          const text = JSON.stringify(elements);
          const p = at % text.length;
          const edited =
            op === 'insert'
              ? text.slice(0, p) + ch + text.slice(p)
              : text.slice(0, p) + (op === 'replace' ? ch : '') + text.slice(p + 1);
          let expected: unknown;
          try {
            const value: unknown = JSON.parse(edited);
            expected = Array.isArray(value) ? value : 'rejected';
          } catch {
            expected = 'rejected';
          }
          let got: unknown;
          try {
            got = values(await collect(parseRecords(chunked(edited, [chunkSize]))));
          } catch (err) {
            expect(err).toBeInstanceOf(MalformedBodyError);
            got = 'rejected';
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
