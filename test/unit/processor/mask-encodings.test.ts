/**
 * Masking sees through encodings: a detected value re-spelled on its way into the record (percent-
 * encoded, `+` for spaces, HTML character references, another Unicode normalisation form, another
 * letter case, other separators between digits) is masked like the plain value, and so are
 * detections blocks sent as JSON text or with numeric or nested values. The property test plants
 * generated encodings and checks `raw`, every normalized field and every entity-derived event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MaskConfig, MaskStyle } from '../../../shared/config.js';
import { extractEntityEvents } from '../../../shared/processor/entities.js';
import { maskFindings, REDACTED } from '../../../shared/processor/mask.js';
import { normalizeRecord } from '../../../shared/processor/normalize.js';
import { ctx, deepFreeze } from './helpers.js';

const KEY = 'test-hash-key-0123456789';
const cfg = (style: MaskStyle = 'redact'): MaskConfig => ({ enabled: true, style, hashKey: KEY });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests walk loosely typed audit JSON
type Obj = Record<string, any>;

/** Every string in a JSON value, JSON text parsed too (so escapes inside it are read). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    out.push(v);
    const t = v.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        strings(JSON.parse(v), out);
      } catch {
        // plain text
      }
    }
  } else if (typeof v === 'number') out.push(String(v));
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoders, written independently of the code under test.

const NAMED: Readonly<Record<string, string>> = {
  ' ': '&nbsp;',
  '-': '&hyphen;',
  '.': '&period;',
  '@': '&commat;',
  '(': '&lpar;',
  ')': '&rpar;',
  é: '&eacute;',
  ü: '&uuml;',
  Ü: '&Uuml;',
  ö: '&ouml;',
  ß: '&szlig;',
  å: '&aring;',
  Å: '&Aring;',
  ç: '&ccedil;',
};

const ENCODINGS = {
  none: (s: string) => s,
  percent: (s: string) => encodeURIComponent(s),
  percentEveryByte: (s: string) =>
    [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  percentTwice: (s: string) => encodeURIComponent(encodeURIComponent(s)),
  plusForSpace: (s: string) => encodeURIComponent(s).replace(/%20/g, '+'),
  formEncoded: (s: string) => new URLSearchParams({ q: s }).toString().slice(2),
  entityDecimal: (s: string) => [...s].map((c) => `&#${c.codePointAt(0)};`).join(''),
  entityHex: (s: string) => [...s].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join(''),
  entityNamed: (s: string) => [...s].map((c) => NAMED[c] ?? c).join(''),
  entityTwice: (s: string) => [...s].map((c) => `&amp;#${c.codePointAt(0)};`).join(''),
  jsonEscape: (s: string) =>
    [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
} as const;
type Encoding = keyof typeof ENCODINGS;

const FORMS = {
  asIs: (s: string) => s,
  nfc: (s: string) => s.normalize('NFC'),
  nfd: (s: string) => s.normalize('NFD'),
  /** Full-width letters and digits: NFKC maps them back. */
  fullWidth: (s: string) =>
    s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x21 + 0xff01)),
} as const;
type Form = keyof typeof FORMS;

const CASES = {
  asIs: (s: string) => s,
  upper: (s: string) => s.toUpperCase(),
  lower: (s: string) => s.toLowerCase(),
  alternating: (s: string) => [...s].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join(''),
} as const;
type Case = keyof typeof CASES;

const DIGIT_SEPARATORS = [' ', '-', '.', '/', '_', ', ', ' - ', '\u00a0', '+', ':', '|', '*', '\u2011'];

/** Digits regrouped with other separators, e.g. `(425) 555-0100` or `4111.1111.1111.1111`. */
function regroup(value: string, seps: readonly string[], parens: boolean): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < value.replace(/[^\p{L}\p{N}]/gu, '').length) return value; // not a number
  const groups = digits.match(/.{1,3}/g)!;
  const joined = groups.map((g, i) => (i === 0 ? g : `${seps[i % seps.length]}${g}`)).join('');
  return parens
    ? `(${groups[0]}) ${joined.slice(groups[0].length + (seps[1 % seps.length]?.length ?? 0))}`
    : joined;
}

/** How one planted occurrence is spelled. */
interface Spelling {
  seps: string[];
  parens: boolean;
  form: Form;
  case: Case;
  encoding: Encoding;
}

function spell(value: string, s: Spelling): string {
  return ENCODINGS[s.encoding](CASES[s.case](FORMS[s.form](regroup(value, s.seps, s.parens))));
}

/** Reads a string the way a person (or a downstream decoder) would: the independent oracle. */
function readable(s: string): string {
  let t = s;
  for (let k = 0; k < 3; k++) {
    t = t.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    t = t.replace(/&amp;/g, '&');
    t = t.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)));
    t = t.replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));
    for (const [c, e] of Object.entries(NAMED)) t = t.split(e).join(c);
    t = t.replace(/\+/g, ' ');
    try {
      t = decodeURIComponent(t);
    } catch {
      t = t.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  return t
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

// ---------------------------------------------------------------------------------------------

const base = (detections: unknown, extra: Obj = {}): Obj => ({
  Id: '7f3c2a10-5b6e-4d1f-9c2a-0e8b7d6a5f41',
  CreationTime: '2024-05-14T09:21:07',
  RecordType: 13,
  Operation: 'DlpRuleMatch',
  Workload: 'Exchange',
  PolicyDetails: [
    {
      PolicyName: 'U.S. Financial Data',
      Rules: [
        {
          RuleName: 'High volume',
          Severity: 'High',
          ConditionsMatched: {
            SensitiveInformation: [
              {
                SensitiveInformationTypeName: 'Credit Card Number',
                Confidence: 85,
                Count: 1,
                SensitiveInformationDetections: detections,
              },
            ],
          },
        },
      ],
    },
  ],
  ...extra,
});

const CARD = '4111 1111 1111 1111';

describe('detections blocks in other shapes', () => {
  it('a block sent as JSON text is masked in place (still JSON text) and its values hunted elsewhere', () => {
    const block = JSON.stringify({
      DetectedValues: [{ Name: CARD, Value: `card ${CARD} on file` }],
      ResultsTruncated: false,
    });
    const { record, maskedValues } = maskFindings<Obj>(
      deepFreeze(base(block, { Subject: 'pay with 4111-1111-1111-1111 today' })),
      cfg(),
    );
    const masked = record.PolicyDetails[0].Rules[0].ConditionsMatched.SensitiveInformation[0]
      .SensitiveInformationDetections as string;
    expect(typeof masked).toBe('string');
    expect(JSON.parse(masked)).toEqual({
      DetectedValues: [{ Name: REDACTED, Value: REDACTED }],
      ResultsTruncated: false,
    });
    expect(record.Subject).toBe(`pay with ${REDACTED} today`);
    expect(maskedValues).toBe(3);
  });

  it('DetectedValues as JSON text, as one item, or as bare values', () => {
    for (const detected of [
      JSON.stringify([{ Name: CARD }]),
      { Name: CARD },
      [CARD],
      JSON.stringify({ Name: CARD }),
    ]) {
      const { record } = maskFindings<Obj>(
        base({ DetectedValues: detected }, { Subject: `x ${CARD} y` }),
        cfg(),
      );
      expect(JSON.stringify(record)).not.toMatch(/4111/);
      expect(record.Subject).toBe(`x ${REDACTED} y`);
    }
  });

  it('numeric and nested detected values are masked and hunted', () => {
    const { record } = maskFindings<Obj>(
      deepFreeze(
        base(
          {
            DetectedValues: [
              { Name: 4111111111111111, Value: 5500000000000004 },
              {
                Name: { Text: 'José Müller', Parts: ['José', 'Müller'] },
                Value: [{ Excerpt: 'to José Müller at home' }],
              },
            ],
          },
          { Subject: '4111111111111111 / 5500 0000 0000 0004', To: 'jose muller', Card: 4111111111111111 },
        ),
      ),
      cfg('partial'),
    );
    const info = record.PolicyDetails[0].Rules[0].ConditionsMatched.SensitiveInformation[0];
    expect(info.SensitiveInformationDetections.DetectedValues).toEqual([
      { Name: '************1111', Value: REDACTED },
      {
        Name: { Text: '*******ller', Parts: ['****', '******'] },
        Value: [{ Excerpt: REDACTED }],
      },
    ]);
    expect(record.Subject).toBe(`************1111 / ${REDACTED}`);
    expect(record.To).toBe('*******ller');
    expect(record.Card).toBe('************1111');
  });
});

describe('encoded occurrences', () => {
  const cases: Array<[string, string, string]> = [
    ['percent-encoded name', 'John Smith', 'https://x.test/u?name=John%20Smith&x=1'],
    ['percent-encoded card', CARD, 'q=4111%201111%201111%201111'],
    ['plus for spaces', 'John Smith', 'q=john+smith&page=2'],
    ['every byte percent-encoded', CARD, '%34%31%31%31%31%31%31%31%31%31%31%31%31%31%31%31'],
    ['double percent-encoding', 'John Smith', 'q=John%2520Smith'],
    ['HTML named entities', 'José Müller', '<p>Jos&eacute;&nbsp;M&uuml;ller</p>'],
    ['HTML decimal entities', CARD, '&#52;&#49;&#49;&#49; 1111 1111 1111'],
    ['HTML hex entities', 'alice@contoso.com', '&#x61;lice&#x40;contoso&period;com'],
    ['entity behind &amp;', CARD, '&amp;#52;111111111111111'],
    ['JSON escapes left in text', CARD, 'card \\u0034111111111111111'],
    ['NFD', 'José Müller', 'Jose\u0301 Mu\u0308ller'],
    ['NFC of an NFD value', 'Jose\u0301 Mu\u0308ller', 'José Müller'],
    ['NFKC full width', CARD, '４１１１－１１１１－１１１１－１１１１'],
    ['other case with ß', 'Straße 12', 'STRASSE 12'],
    ['phone with parentheses', '4255550100', 'call (425) 555-0100 now'],
    ['other separators', CARD, '4111,1111:1111|1111'],
    ['non-breaking and thin spaces', CARD, '4111\u00a01111\u2009111\u202f1\u20111111'],
  ];
  for (const [name, value, text] of cases) {
    it(`${name}: ${JSON.stringify(text)}`, () => {
      const { record } = maskFindings<Obj>(
        base({ DetectedValues: [{ Name: value, Value: 'ctx' }] }, { Field: text }),
        cfg(),
      );
      expect(record.Field).toContain(REDACTED);
      expect(readable(record.Field as string)).not.toContain(readable(value));
    });
  }

  it('a value still found where a `%` in front of it looks like an escape', () => {
    const { record } = maskFindings<Obj>(
      base({ DetectedValues: [{ Name: '4520 1234 5678' }] }, { Field: 'rate 50%4520 1234 5678' }),
      cfg(),
    );
    expect(record.Field).not.toMatch(/1234/);
  });
});

// ---------------------------------------------------------------------------------------------

const NAMES = ['José Müller', 'Zoë Ångström', 'François Çelik', 'Søren Straße', 'Ana María Núñez'];
const digits = (n: number) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${n - 1}}$`));
const value = fc.oneof(
  digits(16).map((d) => d.match(/.{4}/g)!.join(' ')), // card
  digits(10).map((d) => `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`), // phone
  digits(9).map((d) => `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`), // SSN shape
  fc.constantFrom(...NAMES),
  fc
    .tuple(fc.stringMatching(/^[a-z]{4,8}$/), fc.constantFrom('contoso.com', 'fabrikam.net'))
    .map(([u, d]) => `${u}@${d}`),
);
const spelling: fc.Arbitrary<Spelling> = fc.record({
  seps: fc.array(fc.constantFrom(...DIGIT_SEPARATORS), { minLength: 1, maxLength: 4 }),
  parens: fc.boolean(),
  form: fc.constantFrom(...(Object.keys(FORMS) as Form[])),
  case: fc.constantFrom(...(Object.keys(CASES) as Case[])),
  encoding: fc.constantFrom(...(Object.keys(ENCODINGS) as Encoding[])),
});
const FIELDS = ['subject', 'url', 'exceptionText', 'deep', 'entityUrl', 'dataEntity'] as const;
const FILLER = fc.stringMatching(/^[g-z ]{0,6}$/);

const scenario = fc.record({
  values: fc.uniqueArray(value, { minLength: 1, maxLength: 3, selector: readable }),
  plants: fc.array(
    fc.record({
      which: fc.nat(),
      spelling,
      field: fc.constantFrom(...FIELDS),
      before: FILLER,
      after: FILLER,
    }),
    { minLength: 1, maxLength: 8 },
  ),
  blockAsText: fc.boolean(),
  numericCard: fc.boolean(),
  style: fc.constantFrom<MaskStyle>('redact', 'partial', 'hash'),
});

describe('property: no encoding of a detected value survives', () => {
  it('in raw, in any normalized field, in entity-derived events', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const planted = new Map<(typeof FIELDS)[number], string[]>(FIELDS.map((f) => [f, []]));
        const spelled: string[] = [];
        for (const p of sc.plants) {
          const v = sc.values[p.which % sc.values.length]!;
          const s = spell(v, p.spelling);
          spelled.push(s);
          planted.get(p.field)!.push(`${p.before}${s}${p.after}`);
        }
        const at = (f: (typeof FIELDS)[number]) => planted.get(f)!.join(' ');
        const detected = sc.values.map((v) => {
          const bare = v.replace(/\D/g, '');
          return {
            // A card sent as a JSON number (only where a double holds it exactly, as JSON.parse would).
            Name:
              sc.numericCard && /^\d[\d ]+$/.test(v) && Number.isSafeInteger(Number(bare)) ? Number(bare) : v,
            Value: `seen ${v} here`,
          };
        });
        const block = { DetectedValues: detected, ResultsTruncated: false };
        const record = base(sc.blockAsText ? JSON.stringify(block) : block, {
          UserId: 'alice@contoso.onmicrosoft.com',
          ObjectId: `https://contoso.sharepoint.com/sites/x?q=${at('url')}`,
          ExchangeMetaData: { Subject: at('subject') },
          ExceptionInfo: JSON.stringify({ Justification: at('exceptionText') }),
          Extra: { a: [{ b: at('deep') }] },
          Entities: [{ $id: '1', Type: 'url', Url: `https://evil.test/?r=${at('entityUrl')}` }],
          Data: JSON.stringify({ Entities: [{ $id: '1', Type: 'mailbox', DisplayName: at('dataEntity') }] }),
        });
        const masked = maskFindings(deepFreeze(record), cfg(sc.style)).record;
        const outputs = [
          normalizeRecord(masked, ctx({ contentType: 'DLP.All' }), { findingsMasked: true }),
          // Entity events are cut from Audit.General records; the masker does not look at the type.
          ...extractEntityEvents(masked, ['url', 'mailbox'], ctx({ contentType: 'Audit.General' })),
        ];
        expect(outputs.length).toBeGreaterThanOrEqual(3);
        const texts = outputs.flatMap((o) => strings(o));
        const canonical = texts.map(readable);
        for (const s of spelled) for (const t of texts) expect(t).not.toContain(s);
        for (const v of sc.values) for (const t of canonical) expect(t).not.toContain(readable(v));
      }),
      { numRuns: 400 },
    );
  });
});
