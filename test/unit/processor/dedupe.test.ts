import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDeduper, dedupeKey } from '../../../shared/processor/dedupe.js';

describe('createDeduper', () => {
  it('keeps the first record of an Id and flags later ones, ignoring GUID case and blanks', () => {
    const d = createDeduper();
    expect(d.seen({ Id: '7F3C2A10-5B6E-4D1F-9C2A-0E8B7D6A5F41' })).toBe(false);
    expect(d.seen({ Id: '7f3c2a10-5b6e-4d1f-9c2a-0e8b7d6a5f41' })).toBe(true);
    expect(d.seen({ Id: ' 7f3c2a10-5b6e-4d1f-9c2a-0e8b7d6a5f41 ' })).toBe(true);
    expect(d.seen({ Id: '00000000-0000-0000-0000-000000000000' })).toBe(false);
    expect(d.size).toBe(2);
  });

  it('never treats records without a usable Id as duplicates', () => {
    const d = createDeduper();
    for (const r of [{}, {}, { Id: '' }, { Id: '' }, { Id: null }, { Id: 42 }, { Id: 42 }]) {
      expect(d.seen(r)).toBe(false);
    }
    expect(dedupeKey({ Id: 42 })).toBeUndefined();
    expect(d.size).toBe(0);
  });

  it('property: the kept records have distinct Ids and every distinct Id is kept once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom('a', 'A', 'b', 'c', 'C ', 'd'), { nil: undefined })),
        (ids) => {
          const d = createDeduper();
          const kept = ids.map((Id) => ({ Id })).filter((r) => !d.seen(r));
          const keys = kept.map((r) => r.Id?.trim().toLowerCase()).filter((k) => k !== undefined);
          expect(new Set(keys).size).toBe(keys.length);
          expect(new Set(keys)).toEqual(
            new Set(ids.filter((i) => i !== undefined).map((i) => i.trim().toLowerCase())),
          );
          expect(kept.filter((r) => r.Id === undefined)).toHaveLength(
            ids.filter((i) => i === undefined).length,
          );
        },
      ),
    );
  });
});
