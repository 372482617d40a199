import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FilterConfig } from '../../../shared/config.js';
import { createRecordFilter } from '../../../shared/processor/filter.js';

const cfg = (over: Partial<FilterConfig>): FilterConfig => ({
  operations: [],
  statuses: [],
  policies: [],
  mode: 'exclude',
  ...over,
});

const dlp = (operation: string, status: string | undefined, ...policies: string[]) => ({
  Operation: operation,
  ...(status === undefined ? {} : { ResultStatus: status }),
  PolicyDetails: policies.map((PolicyName) => ({ PolicyName, Rules: [] })),
});

describe('createRecordFilter', () => {
  it('keeps everything when no list is configured, in both modes', () => {
    for (const mode of ['exclude', 'include'] as const) {
      const keep = createRecordFilter(cfg({ mode }));
      expect(keep({})).toEqual({ keep: true });
      expect(keep(dlp('X', 'Failed', 'P'))).toEqual({ keep: true });
    }
  });

  it('exclude drops a record matching ANY configured list, case-insensitively', () => {
    const keep = createRecordFilter(
      cfg({ operations: ['FileAccessed'], statuses: ['failed'], policies: ['U.S. Financial Data'] }),
    );
    expect(keep({ Operation: 'fileaccessed', ResultStatus: 'Succeeded' })).toEqual({
      keep: false,
      reason: 'excluded operation "fileaccessed"',
    });
    expect(keep({ Operation: 'FileModified', ResultStatus: 'FAILED' }).keep).toBe(false);
    expect(keep(dlp('DlpRuleMatch', undefined, 'Other', 'u.s. financial data')).keep).toBe(false);
    expect(keep(dlp('DlpRuleMatch', 'Succeeded', 'Other')).keep).toBe(true);
    expect(keep({}).keep).toBe(true);
  });

  it('include keeps a record only when it matches EVERY configured list', () => {
    const keep = createRecordFilter(
      cfg({ mode: 'include', operations: ['DlpRuleMatch'], policies: ['PCI'] }),
    );
    expect(keep(dlp('dlprulematch', undefined, 'GDPR', 'pci')).keep).toBe(true);
    expect(keep(dlp('DlpRuleMatch', undefined, 'GDPR'))).toEqual({
      keep: false,
      reason: 'policy "GDPR" not in the include list',
    });
    expect(keep(dlp('DlpRuleUndo', undefined, 'PCI')).keep).toBe(false);
    // Missing fields do not match in include mode.
    expect(keep({ Operation: 'DlpRuleMatch' })).toEqual({
      keep: false,
      reason: 'policy missing not in the include list',
    });
    expect(keep({ PolicyDetails: [{ PolicyName: 'PCI' }] }).keep).toBe(false);
  });

  it('ignores malformed PolicyDetails rather than throwing', () => {
    const keep = createRecordFilter(cfg({ mode: 'include', policies: ['PCI'] }));
    for (const PolicyDetails of ['PCI', null, [null, 3, { PolicyName: 7 }], { PolicyName: 'PCI' }]) {
      expect(keep({ PolicyDetails }).keep).toBe(false);
    }
  });

  const word = fc.constantFrom(
    'FileAccessed',
    'fileaccessed',
    'DlpRuleMatch',
    'Succeeded',
    'Failed',
    'PCI',
    'gdpr',
  );
  const lists = fc.record({
    operations: fc.array(word, { maxLength: 2 }),
    statuses: fc.array(word, { maxLength: 2 }),
    policies: fc.array(word, { maxLength: 2 }),
  });
  const record = fc.record(
    {
      Operation: word,
      ResultStatus: word,
      PolicyDetails: fc.array(fc.record({ PolicyName: word }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  const matches = (list: readonly string[], values: string[]) =>
    values.some((v) => list.some((w) => w.toLowerCase() === v.toLowerCase()));
  const facetValues = (r: {
    Operation?: string;
    ResultStatus?: string;
    PolicyDetails?: { PolicyName: string }[];
  }) => ({
    operations: r.Operation === undefined ? [] : [r.Operation],
    statuses: r.ResultStatus === undefined ? [] : [r.ResultStatus],
    policies: (r.PolicyDetails ?? []).map((p) => p.PolicyName),
  });

  it('property: exclude keeps exactly the records matching no configured list', () => {
    fc.assert(
      fc.property(lists, record, (l, r) => {
        const v = facetValues(r);
        const expected = !(['operations', 'statuses', 'policies'] as const).some((k) => matches(l[k], v[k]));
        expect(createRecordFilter(cfg({ ...l, mode: 'exclude' }))(r).keep).toBe(expected);
      }),
    );
  });

  it('property: include keeps exactly the records matching every configured list', () => {
    fc.assert(
      fc.property(lists, record, (l, r) => {
        const v = facetValues(r);
        const expected = (['operations', 'statuses', 'policies'] as const).every(
          (k) => l[k].length === 0 || matches(l[k], v[k]),
        );
        const decision = createRecordFilter(cfg({ ...l, mode: 'include' }))(r);
        expect(decision.keep).toBe(expected);
        expect(decision.reason === undefined).toBe(decision.keep);
      }),
    );
  });

  it('property: with one configured list, include and exclude partition the records', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('operations', 'statuses', 'policies'),
        fc.array(word, { minLength: 1 }),
        fc.array(record),
        (k, list, recs) => {
          const exclude = createRecordFilter(cfg({ [k]: list, mode: 'exclude' }));
          const include = createRecordFilter(cfg({ [k]: list, mode: 'include' }));
          for (const r of recs) expect(exclude(r).keep).toBe(!include(r).keep);
        },
      ),
    );
  });
});
