import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findValues,
  SCRATCH_MAX,
  scratchCapacity,
  searchKey,
  type SearchNeedle,
} from '../../../shared/processor/find-values.js';

const needles = (...values: string[]): SearchNeedle<string>[] =>
  values.map((v) => ({ key: searchKey(v), tag: v })).sort((a, b) => b.key.length - a.key.length);

const spans = (text: string, found: ReturnType<typeof findValues<string>>) =>
  found.map((f) => [text.slice(f.start, f.end), f.tag]);

describe('findValues', () => {
  it('matches whatever the case and separators, and maps back to the original text', () => {
    const text =
      'cards 4111-1111-1111-1111 and 4111111111111111, also 4111 1111.1111/1111; ALICE@Contoso.com';
    const found = findValues(text, needles('4111 1111 1111 1111', 'alice@contoso.com'), 4);
    expect(spans(text, found)).toEqual([
      ['4111-1111-1111-1111', '4111 1111 1111 1111'],
      ['4111111111111111', '4111 1111 1111 1111'],
      ['4111 1111.1111/1111', '4111 1111 1111 1111'],
      ['ALICE@Contoso.com', 'alice@contoso.com'],
    ]);
  });

  it('prefers the needle given first where two overlap, and never reports overlaps', () => {
    const text = 'note: card on file is 4111 1111 1111 1111 exp, and 4111111111111111';
    const found = findValues(
      text,
      needles('card on file is 4111 1111 1111 1111 exp', '4111 1111 1111 1111'),
      4,
    );
    expect(spans(text, found)).toEqual([
      ['card on file is 4111 1111 1111 1111 exp', 'card on file is 4111 1111 1111 1111 exp'],
      ['4111111111111111', '4111 1111 1111 1111'],
    ]);
  });

  it('keeps positions right around characters whose lower case is longer (İ) and astral characters', () => {
    const text = 'İİ 𝄞 SECRETVALUE 𝄞 secret-value';
    const found = findValues(text, needles('secretvalue'), 4);
    expect(spans(text, found)).toEqual([
      ['SECRETVALUE', 'secretvalue'],
      ['secret-value', 'secretvalue'],
    ]);
  });

  it('finds nothing with no needles or a haystack shorter than the shortest key', () => {
    expect(findValues('anything', [], 4)).toEqual([]);
    expect(findValues('abc', needles('abcd'), 4)).toEqual([]);
  });

  it('property: a value planted with any separators and case is found exactly where planted', () => {
    const value = fc.stringMatching(/^[a-z0-9]{6,12}$/);
    const filler = fc.stringMatching(/^[#%&!]{0,8}$/);
    fc.assert(
      fc.property(
        value,
        filler,
        filler,
        fc.array(fc.constantFrom(' ', '-', '.', '', ''), { maxLength: 12 }),
        fc.boolean(),
        (v, before, after, seps, upper) => {
          const planted = [...v].map((ch, i) => ch + (i < v.length - 1 ? (seps[i] ?? '') : '')).join('');
          const spelled = upper ? planted.toUpperCase() : planted;
          const text = before + spelled + after;
          expect(spans(text, findValues(text, needles(v), 4))).toEqual([[spelled, v]]);
        },
      ),
    );
  });
});

describe('scratch space', () => {
  it('stays bounded after a huge string, and huge strings are still searched right', () => {
    const big = `${'x '.repeat(600_000)}card 4111-1111-1111-1111 end`;
    const found = findValues(big, needles('4111111111111111'), 4);
    expect(spans(big, found)).toEqual([['4111-1111-1111-1111', '4111111111111111']]);
    expect(searchKey('ＡＢ'.repeat(300_000))).toHaveLength(600_000);
    expect(scratchCapacity()).toBeLessThanOrEqual(SCRATCH_MAX);
    // A string that expands when folded (ﬃ → ffi) grows the scratch past its start size, within the cap.
    expect(searchKey('ﬃ'.repeat(5_000))).toBe('ffi'.repeat(5_000));
    expect(scratchCapacity()).toBeGreaterThanOrEqual(15_000);
    expect(scratchCapacity()).toBeLessThanOrEqual(SCRATCH_MAX);
  });
});
