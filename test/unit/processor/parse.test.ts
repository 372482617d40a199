import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedBodyError, parseRecords, type ParsedItem } from '../../../shared/processor/parse.js';
import { isRetryable } from '../../../shared/errors.js';
import { asAsync, chunked, collect, dlpRecord } from './helpers.js';

const records = [
  dlpRecord(),
  { Id: 'b', Operation: 'FileAccessed', Note: 'ünïcødé ✓ 𝄞' },
  { Id: 'c', n: [1, { x: null }] },
];
const body = JSON.stringify(records);

async function parseFailure(source: AsyncIterable<Uint8Array | string>): Promise<MalformedBodyError> {
  try {
    await collect(parseRecords(source));
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedBodyError);
    return err as MalformedBodyError;
  }
  throw new Error('expected the parse to fail');
}

const once = (body: string | Uint8Array) => asAsync([typeof body === 'string' ? Buffer.from(body) : body]);

describe('parseRecords', () => {
  it('yields every element, whole and in order, for the body split at every byte boundary', async () => {
    const bytes = Buffer.from(body);
    for (let cut = 1; cut < bytes.length; cut++) {
      const items = await collect(parseRecords(asAsync([bytes.subarray(0, cut), bytes.subarray(cut)])));
      expect(items.map((i) => (i.kind === 'record' ? i.record : i))).toEqual(records);
    }
  });

  it('parses one byte at a time and from text chunks', async () => {
    const bytewise = await collect(parseRecords(chunked(body, [1])));
    expect(bytewise.map((i) => (i.kind === 'record' ? i.record : null))).toEqual(records);
    expect((await collect(parseRecords(asAsync([body.slice(0, 17), body.slice(17)])))).length).toBe(3);
  });

  it('property: any chunking of any array of records parses to the same records', async () => {
    const jsonObject = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(jsonObject, { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        async (objs, sizes) => {
          const items = await collect(parseRecords(chunked(JSON.stringify(objs), sizes)));
          expect(items.map((i) => (i.kind === 'record' ? i.record : undefined))).toEqual(
            JSON.parse(JSON.stringify(objs)),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('yields a record before the rest of the body has arrived', async () => {
    const seen: string[] = [];
    async function* slow() {
      await Promise.resolve();
      yield Buffer.from('[{"Id":"first"},');
      seen.push('second chunk requested');
      yield Buffer.from('{"Id":"second"}]');
    }
    for await (const item of parseRecords(slow())) {
      seen.push(item.kind === 'record' ? String(item.record.Id) : 'invalid');
    }
    expect(seen).toEqual(['first', 'second chunk requested', 'second']);
  });

  it('turns non-object elements into invalid items with their raw value and index', async () => {
    const items = await collect(parseRecords(once('[1, "text", null, [{"Id":"x"}], {"Id":"ok"}, true]')));
    const invalid = items.filter((i): i is Extract<ParsedItem, { kind: 'invalid' }> => i.kind === 'invalid');
    expect(invalid.map((i) => [i.index, i.raw])).toEqual([
      [0, 1],
      [1, 'text'],
      [2, null],
      [3, [{ Id: 'x' }]],
      [5, true],
    ]);
    expect(invalid[0]!.reason).toMatch(/number, not an object/);
    expect(items[4]).toEqual({ kind: 'record', index: 4, record: { Id: 'ok' } });
  });

  it('parses an empty array to nothing', async () => {
    expect(await collect(parseRecords(once(' [ ] \n')))).toEqual([]);
  });

  it('keeps huge strings intact', async () => {
    const big = 'x'.repeat(3_000_000) + '€';
    const items = await collect(parseRecords(chunked(JSON.stringify([{ Id: 'a', Big: big }]), [65_536])));
    expect(items[0]!.kind === 'record' && items[0]!.record.Big).toBe(big);
  });

  it('accepts nesting up to the limit and refuses deeper with a clear, retryable error', async () => {
    const nested = (depth: number) => '['.repeat(depth - 1) + '{"a":1}' + ']'.repeat(depth - 1);
    expect(await collect(parseRecords(once(nested(64))))).toHaveLength(1);
    const err = await parseFailure(once(nested(65)));
    expect(err.message).toMatch(/nesting deeper than 64 levels/);
    expect(isRetryable(err)).toBe(true);
  });

  it('honours a custom depth limit', async () => {
    await expect(collect(parseRecords(once('[{"a":{"b":{}}}]'), { maxDepth: 3 }))).rejects.toThrow(
      /deeper than 3/,
    );
  });

  it('refuses a body that is not an array', async () => {
    for (const notArray of ['{"Id":"x"}', '"text"', '42', 'null']) {
      const err = await parseFailure(once(notArray));
      expect(err.message).toMatch(/expected a JSON array/);
      expect(err.retryable).toBe(true);
      expect(err.offset).toBe(0);
    }
  });

  it('refuses an empty body', async () => {
    expect((await parseFailure(once(''))).message).toMatch(/empty body/);
    expect((await parseFailure(once('   '))).message).toMatch(/empty body/);
  });

  it('refuses a truncated body at every cut point, after yielding the complete records', async () => {
    const bytes = Buffer.from(body);
    for (const cut of [1, 10, 100, bytes.length - 2, bytes.length - 1]) {
      const yielded: ParsedItem[] = [];
      const err = await (async () => {
        try {
          for await (const item of parseRecords(once(bytes.subarray(0, cut)))) yielded.push(item);
        } catch (e) {
          return e as MalformedBodyError;
        }
        throw new Error(`cut ${cut} parsed`);
      })();
      expect(err).toBeInstanceOf(MalformedBodyError);
      expect(err.message).toMatch(/Malformed content body at byte \d+/);
      if (cut === bytes.length - 1) expect(yielded).toHaveLength(3);
    }
  });

  it('refuses garbage inside and after the array, saying where', async () => {
    const inside = await parseFailure(once('[{"Id":"a"}, {"Id": tru}]'));
    expect(inside.message).toMatch(/at byte \d+/);
    await parseFailure(once('[{"Id":"a"} {"Id":"b"}]'));
    await parseFailure(once('[{"Id":"a",}]'));
    await parseFailure(once('[{"Id":"a"}, {"nested": [1, 2, {"x": }]}]'));
    const trailing = await parseFailure(once('[{"Id":"a"}] [{"Id":"b"}]'));
    expect(trailing.message).toMatch(/after the end of the top-level array/);
  });

  it('refuses invalid UTF-8 with the byte offset, including a sequence cut by the end of the body', async () => {
    const prefix = Buffer.from('[{"Id":"a","Name":"');
    const bad = Buffer.concat([prefix, Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]);
    const err = await parseFailure(chunked(bad, [3]));
    expect(err.message).toMatch(/invalid UTF-8/);
    expect(err.offset).toBe(prefix.length);
    const overlong = Buffer.concat([prefix, Buffer.from([0xc0, 0xaf]), Buffer.from('"}]')]);
    expect((await parseFailure(once(overlong))).offset).toBe(prefix.length);
    const dangling = Buffer.concat([Buffer.from('[{"Id":"a"},"'), Buffer.from([0xe2, 0x82])]);
    const cut = await parseFailure(once(dangling));
    expect(cut.message).toMatch(/ends inside a UTF-8 multi-byte sequence/);
    expect(cut.offset).toBe(13);
  });

  it('accepts multi-byte characters split across chunks at every position', async () => {
    const text = JSON.stringify([{ Id: 'a', v: '€𝄞ü' }]);
    for (let size = 1; size <= 5; size++) {
      const items = await collect(parseRecords(chunked(text, [size])));
      expect(items[0]!.kind === 'record' && items[0]!.record.v).toBe('€𝄞ü');
    }
  });
});
