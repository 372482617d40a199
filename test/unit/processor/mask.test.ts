import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MaskConfig, MaskStyle } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';
import { maskFindings, REDACTED } from '../../../shared/processor/mask.js';
import { deepFreeze, dlpRecord } from './helpers.js';

const KEY = 'test-hash-key-0123456789';
const cfg = (style: MaskStyle, enabled = true): MaskConfig => ({ enabled, style, hashKey: KEY });
const hmac = (v: string) => `hmac-sha256:${createHmac('sha256', KEY).update(v).digest('hex')}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests walk loosely typed audit JSON
type Obj = Record<string, any>;
const firstInfo = (r: Obj) => r.PolicyDetails[0].Rules[0].ConditionsMatched.SensitiveInformation[0];

describe('maskFindings on the reference DLP record', () => {
  it('redact: masks DetectedValues and every other occurrence, keeps the rest', () => {
    const input = deepFreeze<Obj>(dlpRecord());
    const { record, maskedValues } = maskFindings(input, cfg('redact'));
    const info = firstInfo(record);
    expect(info.SensitiveInformationDetections).toEqual({
      DetectedValues: [
        { Name: REDACTED, Value: REDACTED },
        { Name: REDACTED, Value: REDACTED },
      ],
      ResultsTruncated: false,
    });
    expect(record.ExchangeMetaData.Subject).toBe(`Payment details ${REDACTED}`);
    expect(JSON.parse(record.ExceptionInfo as string)).toEqual({
      Justification: `Customer asked for ${REDACTED}`,
    });
    const text = JSON.stringify(record);
    expect(text).not.toMatch(/4111|5500/);
    expect(maskedValues).toBe(6);
    // Not sensitive: kept as they were.
    expect(info.Confidence).toBe(85);
    expect(info.Count).toBe(2);
    expect(info.SensitiveInformationTypeName).toBe('Credit Card Number');
    expect(info.Location).toBe('Message Body');
    expect(record.PolicyDetails[0].PolicyName).toBe('U.S. Financial Data');
    expect(record.ExchangeMetaData.RecipientCount).toBe(1);
    expect(record.Id).toBe(input.Id);
  });

  it('partial: keeps the last 4 of the matched value whatever its separators; context fully redacted', () => {
    const { record } = maskFindings<Obj>(dlpRecord(), cfg('partial'));
    const values = firstInfo(record).SensitiveInformationDetections.DetectedValues;
    expect(values).toEqual([
      { Name: '************1111', Value: REDACTED },
      { Name: '************0004', Value: REDACTED },
    ]);
    expect(record.ExchangeMetaData.Subject).toBe('Payment details ************1111');
    expect(JSON.parse(record.ExceptionInfo as string).Justification).toBe(
      'Customer asked for ************1111',
    );
  });

  it('hash: equal values (any spacing) hash alike, with the configured key', () => {
    const { record } = maskFindings<Obj>(dlpRecord(), cfg('hash'));
    const values = firstInfo(record).SensitiveInformationDetections.DetectedValues;
    expect(values[0].Name).toBe(hmac('4111111111111111'));
    expect(values[1].Name).toBe(hmac('5500000000000004'));
    expect(record.ExchangeMetaData.Subject).toBe(`Payment details ${hmac('4111111111111111')}`);
    expect(() => maskFindings<Obj>(dlpRecord(), { enabled: true, style: 'hash' })).toThrow(ConfigError);
  });

  it('masks Endpoint DLP detections, ExceptionInfo objects, DocumentProperties and locations', () => {
    const record: Obj = {
      Id: 'e',
      EndpointMetaData: {
        DeviceName: 'laptop-1',
        SensitiveInformation: [
          {
            Count: 1,
            Confidence: 75,
            Location: 'passport AB1234567.pdf',
            SensitiveInformationTypeName: 'Passport Number',
            SensitiveInformationDetections: {
              DetectedValues: [{ Name: 'AB1234567', Value: 'no AB1234567 issued', Context: 'extra ctx' }],
              ResultsTruncated: true,
            },
          },
        ],
      },
      PolicyDetails: [
        {
          PolicyName: 'Passports',
          Rules: [
            {
              ConditionsMatched: { DocumentProperties: [{ Name: 'Title', Value: 'Scan ab 123 4567' }] },
            },
          ],
        },
      ],
      ExceptionInfo: { Justification: 'ab-1234567 is mine', FalsePositive: false, Rules: ['r1'] },
    };
    const { record: out, maskedValues } = maskFindings(deepFreeze(record), cfg('redact'));
    const info = out.EndpointMetaData.SensitiveInformation[0];
    expect(info.SensitiveInformationDetections).toEqual({
      DetectedValues: [{ Name: REDACTED, Value: REDACTED, Context: REDACTED }],
      ResultsTruncated: true,
    });
    expect(info.Location).toBe(`passport ${REDACTED}.pdf`);
    expect(out.PolicyDetails[0].Rules[0].ConditionsMatched.DocumentProperties[0].Value).toBe(
      `Scan ${REDACTED}`,
    );
    expect(out.ExceptionInfo).toEqual({
      Justification: `${REDACTED} is mine`,
      FalsePositive: false,
      Rules: ['r1'],
    });
    expect(maskedValues).toBe(6);
  });

  it('finds detected values in JSON-in-string fields even when escaped there', () => {
    const record = dlpRecord();
    record.AdditionalInfo = JSON.stringify({
      note: 'card \u0034111 1111 1111 1111',
      nested: JSON.stringify({ x: '5500000000000004' }),
    });
    record.Numbers = '{"card": 4111111111111111, "list": [5500000000000004]}';
    record.CardAsNumber = 4111111111111111;
    record.FileSize = 18823;
    const { record: out } = maskFindings(record, cfg('redact'));
    expect(JSON.stringify(out)).not.toMatch(/4111|5500/);
    expect([out.CardAsNumber, out.FileSize]).toEqual([REDACTED, 18823]);
  });

  it('is idempotent and never mutates its input', () => {
    const input = deepFreeze<Obj>(dlpRecord());
    const snapshot = structuredClone(input);
    for (const style of ['redact', 'partial', 'hash'] as const) {
      const once = maskFindings(input, cfg(style));
      const twice = maskFindings(once.record, cfg(style));
      expect(twice.record).toEqual(once.record);
      expect(twice.maskedValues).toBe(0);
    }
    expect(input).toEqual(snapshot);
  });

  it('returns the input itself, not a copy, when disabled or when there is nothing to mask', () => {
    const input = deepFreeze(dlpRecord());
    const off = maskFindings(input, cfg('redact', false));
    expect(off.record).toBe(input);
    expect(off.maskedValues).toBe(0);
    const plain = deepFreeze({ Id: 'x', Operation: 'FileAccessed', Nested: { a: [1, 'two'] } });
    expect(maskFindings(plain, cfg('redact'))).toEqual({ record: plain, maskedValues: 0 });
    expect(maskFindings(plain, cfg('redact')).record).toBe(plain);
    expect(maskFindings('just text', cfg('redact')).record).toBe('just text');
  });

  it('returns a new value sharing no object with the input when it masks', () => {
    const input = deepFreeze<Obj>(dlpRecord());
    const { record } = maskFindings<Obj>(input, cfg('redact'));
    const objects = (v: unknown, out = new Set<unknown>()): Set<unknown> => {
      if (v !== null && typeof v === 'object') {
        out.add(v);
        for (const x of Object.values(v)) objects(x, out);
      }
      return out;
    };
    const before = objects(input);
    for (const o of objects(record)) expect(before.has(o)).toBe(false);
  });

  it('does not hunt very short detected values elsewhere, but masks them where detected', () => {
    const record: Obj = {
      ObjectId: 'abc and more abc',
      X: { SensitiveInformationDetections: { DetectedValues: [{ Name: 'abc', Value: 'ab' }] } },
    };
    const { record: out } = maskFindings(record, cfg('partial'));
    expect(out.X.SensitiveInformationDetections.DetectedValues).toEqual([{ Name: '***', Value: REDACTED }]);
    expect(out.ObjectId).toBe('abc and more abc');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: for generated DLP records with detected values planted in random other fields, no
// detected value (in any planted spelling) nor context survives in the output, in every style.

const FILLER = fc.stringMatching(/^[g-z ,;:!]{0,12}$/);
const digitValue = fc
  .tuple(
    fc.array(fc.stringMatching(/^[0-9]{4}$/), { minLength: 3, maxLength: 4 }),
    fc.constantFrom(' ', '-', ''),
  )
  .map(([groups, sep]) => groups.join(sep));
const hexValue = fc.stringMatching(/^[a-f][a-f0-9]{7,15}$/);
const detected = fc.oneof(digitValue, hexValue);

const TARGETS = [
  'subject',
  'to',
  'fileName',
  'objectId',
  'exception',
  'docProperty',
  'location',
  'jsonText',
  'deep',
] as const;
type Target = (typeof TARGETS)[number];

/** Spellings of a value that all mean the same finding. */
function variants(v: string): string[] {
  const digits = v.replace(/[\s-]/g, '');
  if (/^\d+$/.test(digits)) {
    const groups = digits.match(/.{1,4}/g)!;
    return [v, digits, groups.join(' '), groups.join('-')];
  }
  return [v, v.toUpperCase()];
}

const plan = fc.record({
  values: fc.uniqueArray(detected, { minLength: 1, maxLength: 4, selector: (v) => v.replace(/[\s-]/g, '') }),
  contextPad: fc.tuple(FILLER, FILLER),
  plants: fc.array(
    fc.record({
      which: fc.nat(),
      variant: fc.nat(),
      target: fc.constantFrom(...TARGETS),
      before: FILLER,
      after: FILLER,
    }),
    { maxLength: 10 },
  ),
  exceptionAsText: fc.boolean(),
  endpoint: fc.boolean(),
  style: fc.constantFrom<MaskStyle>('redact', 'partial', 'hash'),
});

type Plan = typeof plan extends fc.Arbitrary<infer T> ? T : never;

function buildRecord(p: Plan): { record: Obj; secrets: string[] } {
  const texts = new Map<Target, string[]>(TARGETS.map((t) => [t, []]));
  const secrets: string[] = [];
  const infos = p.values.map((v, i) => {
    const context = `${p.contextPad[0]} ${v} ${p.contextPad[1]}`;
    secrets.push(...variants(v), context);
    return {
      Confidence: 85,
      Count: i + 1,
      UniqueCount: i + 1,
      Location: 'Message Body',
      SensitiveType: '50842eb7-edc8-4019-85dd-5a5c1f2bb085',
      SensitiveInformationTypeName: `Type ${i}`,
      SensitiveInformationDetections: {
        DetectedValues: [{ Name: v, Value: context }],
        ResultsTruncated: i % 2 === 0,
      },
    };
  });
  for (const plant of p.plants) {
    const v = p.values[plant.which % p.values.length]!;
    const spellings = variants(v);
    texts
      .get(plant.target)!
      .push(`${plant.before}${spellings[plant.variant % spellings.length]}${plant.after}`);
  }
  const joined = (t: Target) => texts.get(t)!.join(' ');
  const endpointInfos = p.endpoint ? infos.splice(0, 1) : [];
  if (infos[0]) infos[0].Location = `Message Body ${joined('location')}`;
  else if (endpointInfos[0]) endpointInfos[0].Location = `Message Body ${joined('location')}`;
  const justification = { Justification: joined('exception'), FalsePositive: false };
  const record: Obj = {
    Id: '7f3c2a10-5b6e-4d1f-9c2a-0e8b7d6a5f41',
    RecordType: 13,
    Operation: 'DlpRuleMatch',
    ObjectId: joined('objectId'),
    PolicyDetails: [
      {
        PolicyName: 'U.S. Financial Data',
        Rules: [
          {
            RuleName: 'High volume',
            Severity: 'High',
            ConditionsMatched: {
              SensitiveInformation: infos,
              DocumentProperties: [{ Name: 'Title', Value: joined('docProperty') }],
            },
          },
        ],
      },
    ],
    ExchangeMetaData: { Subject: joined('subject'), To: texts.get('to'), RecipientCount: 3 },
    SharePointMetaData: { FileName: `${joined('fileName')}.docx` },
    ExceptionInfo: p.exceptionAsText ? JSON.stringify(justification) : justification,
    AdditionalInfo: JSON.stringify({ note: joined('jsonText'), more: [joined('jsonText')] }),
    Extra: { l1: { l2: [{ l3: joined('deep') }] } },
  };
  if (endpointInfos.length > 0) record.EndpointMetaData = { SensitiveInformation: endpointInfos };
  return { record, secrets };
}

/** Everything that is not sensitive and must survive masking unchanged. */
function keptFacts(r: Obj) {
  const infos = [
    ...r.PolicyDetails[0].Rules[0].ConditionsMatched.SensitiveInformation,
    ...(r.EndpointMetaData?.SensitiveInformation ?? []),
  ];
  return {
    policy: r.PolicyDetails[0].PolicyName,
    rule: r.PolicyDetails[0].Rules[0].RuleName,
    severity: r.PolicyDetails[0].Rules[0].Severity,
    recipients: r.ExchangeMetaData.RecipientCount,
    infos: infos.map((i: Obj) => [
      i.Confidence,
      i.Count,
      i.UniqueCount,
      i.SensitiveType,
      i.SensitiveInformationTypeName,
      i.SensitiveInformationDetections.ResultsTruncated,
      i.SensitiveInformationDetections.DetectedValues.length,
    ]),
  };
}

describe('maskFindings properties', () => {
  it('leaves no detected value or context readable anywhere, in every style', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const { record, secrets } = buildRecord(p);
        const { record: out, maskedValues } = maskFindings(deepFreeze(record), cfg(p.style));
        const text = JSON.stringify(out);
        for (const secret of secrets) {
          if (secret.trim().length >= 4) expect(text).not.toContain(secret.trim());
        }
        expect(maskedValues).toBeGreaterThanOrEqual(p.values.length * 2);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent, never mutates its input and keeps the non-sensitive facts', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const { record } = buildRecord(p);
        const before = structuredClone(record);
        const once = maskFindings(deepFreeze(record), cfg(p.style));
        expect(record).toEqual(before);
        const twice = maskFindings(deepFreeze(once.record), cfg(p.style));
        expect(twice.record).toEqual(once.record);
        expect(twice.maskedValues).toBe(0);
        expect(keptFacts(once.record)).toEqual(keptFacts(before));
        expect(Object.keys(once.record).sort()).toEqual(Object.keys(before).sort());
      }),
      { numRuns: 200 },
    );
  });

  it('hash style: the same value masks to the same token in every record', () => {
    fc.assert(
      fc.property(digitValue, fc.constantFrom(' ', '-', ''), (v, sep) => {
        const respaced = v
          .replace(/[\s-]/g, '')
          .match(/.{1,4}/g)!
          .join(sep);
        const a = maskFindings<Obj>(
          { X: { SensitiveInformationDetections: { DetectedValues: [{ Name: v }] } } },
          cfg('hash'),
        );
        const b = maskFindings<Obj>(
          {
            S: `x ${respaced} y`,
            X: { SensitiveInformationDetections: { DetectedValues: [{ Name: respaced }] } },
          },
          cfg('hash'),
        );
        const token = a.record.X.SensitiveInformationDetections.DetectedValues[0].Name;
        expect(b.record.X.SensitiveInformationDetections.DetectedValues[0].Name).toBe(token);
        expect(b.record.S).toBe(`x ${token} y`);
      }),
    );
  });
});
