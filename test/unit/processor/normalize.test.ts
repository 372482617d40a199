import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskFindings } from '../../../shared/processor/mask.js';
import { normalizeInvalid, normalizeRecord, resultOf } from '../../../shared/processor/normalize.js';
import { readClientIp, readTime } from '../../../shared/processor/fields.js';
import { KNOWN_RECORD_TYPES } from '../../../shared/processor/record-types.js';
import { NormalizedEventSchema } from '../../../shared/schema/normalized-event.js';
import { ctx, dlpRecord, fields, TENANT } from './helpers.js';

const valid = (event: unknown) => {
  const parsed = NormalizedEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data;
};

const exchange = { contentType: 'Audit.Exchange' };

describe('normalizeRecord', () => {
  it('maps the reference DLP record, masked, to a complete v1 event', () => {
    const masked = maskFindings(dlpRecord(), { enabled: true, style: 'redact' });
    const event = valid(normalizeRecord(masked.record, ctx(), { findingsMasked: masked.maskedValues > 0 }));
    expect(event).toMatchObject({
      schemaVersion: 1,
      id: '7f3c2a10-5b6e-4d1f-9c2a-0e8b7d6a5f41',
      time: '2024-05-14T09:21:07.000Z',
      tenantId: TENANT,
      contentType: 'DLP.All',
      workload: 'Exchange',
      recordType: 13,
      recordTypeName: 'ComplianceDLPExchange',
      operation: 'DlpRuleMatch',
      result: 'unknown',
      resultStatus: null,
      user: { id: 'alice@contoso.onmicrosoft.com', key: '1153801120595078600', type: 4, typeName: 'System' },
      clientIp: null,
      product: 'Exchange',
      eventName: 'DlpRuleMatch',
      environment: 'default',
      dlp: {
        policies: ['U.S. Financial Data'],
        rules: ['High volume of content detected U.S. Financial'],
        severities: ['High'],
        sensitiveTypes: ['Credit Card Number'],
        findingsMasked: true,
      },
      parentId: null,
      entity: null,
      ingestedAt: '2024-05-14T10:00:00.000Z',
    });
    expect(event.raw).toEqual(masked.record);
    expect(event.errors).toBeUndefined();
  });

  it('tolerates numbers sent as strings', () => {
    const e = valid(
      normalizeRecord(
        { Id: 'a', CreationTime: '2024-01-01T00:00:00Z', RecordType: '40', UserType: ' 4 ' },
        ctx(exchange),
      ),
    );
    expect([e.recordType, e.recordTypeName, e.user.type, e.user.typeName]).toEqual([
      40,
      'SecurityComplianceAlerts',
      4,
      'System',
    ]);
    expect(e.errors).toBeUndefined();
  });

  it('reads times: zone-less is UTC, Z and offsets honoured, fractions to milliseconds, invalid flagged', () => {
    expect(readTime('2015-06-29T20:03:19')).toEqual({ ok: true, value: '2015-06-29T20:03:19.000Z' });
    expect(readTime('2015-06-29T20:03:19Z')).toEqual({ ok: true, value: '2015-06-29T20:03:19.000Z' });
    expect(readTime('2015-06-29T20:03:19.1234567')).toEqual({ ok: true, value: '2015-06-29T20:03:19.123Z' });
    expect(readTime('2015-06-29T22:03:19+02:00')).toEqual({ ok: true, value: '2015-06-29T20:03:19.000Z' });
    expect(readTime('2015-06-29 20:03:19')).toEqual({ ok: true, value: '2015-06-29T20:03:19.000Z' });
    for (const bad of ['2024-02-30T00:00:00', '2024-01-01T25:00:00', 'yesterday', 1719690199, '']) {
      expect(readTime(bad).ok).toBe(false);
    }
    const e = valid(normalizeRecord({ Id: 'a', CreationTime: 'not a time' }, ctx(exchange)));
    expect(e.time).toBeNull();
    expect(e.errors).toEqual(['CreationTime is not a date-time: "not a time"']);
  });

  it('reads client IPs without ports or brackets, and flags garbage', () => {
    const cases: Array<[unknown, string | null]> = [
      ['1.2.3.4:5678', '1.2.3.4'],
      ['1.2.3.4', '1.2.3.4'],
      ['[2001:db8::1]:443', '2001:db8::1'],
      ['[fdfd::555]', 'fdfd::555'],
      ['2001:db8::1', '2001:db8::1'],
      ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
      [' 10.1.1.1 ', '10.1.1.1'],
      [null, null],
      [undefined, null],
      ['', null],
    ];
    for (const [input, expected] of cases) expect(readClientIp(input)).toEqual({ ok: true, value: expected });
    for (const garbage of ['not-an-ip', '999.1.1.1', '1.2.3.4:port', '[1.2.3.4]:80', 'fe80::1:99999', 42]) {
      expect(readClientIp(garbage).ok).toBe(false);
    }
    const e = valid(
      normalizeRecord({ Id: 'a', CreationTime: '2024-01-01T00:00:00', ClientIP: 'garbage' }, ctx(exchange)),
    );
    expect(e.clientIp).toBeNull();
    expect(e.errors).toEqual(['ClientIP is not an IP address: "garbage"']);
    const entra = valid(
      normalizeRecord(
        { Id: 'a', CreationTime: '2024-01-01T00:00:00', ClientIP: null, RecordType: 8 },
        ctx(exchange),
      ),
    );
    expect([entra.clientIp, entra.errors]).toEqual([null, undefined]);
    expect(normalizeRecord({ ClientIPAddress: '[2001:db8::2]:1' }, ctx()).clientIp).toBe('2001:db8::2');
  });

  it('passes unknown RecordTypes through', () => {
    const e = valid(
      normalizeRecord({ Id: 'a', CreationTime: '2024-01-01T00:00:00', RecordType: 9999 }, ctx(exchange)),
    );
    expect([e.recordType, e.recordTypeName, e.errors]).toEqual([9999, 'Unknown(9999)', undefined]);
    expect(KNOWN_RECORD_TYPES).toEqual(
      expect.arrayContaining([
        1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14, 15, 18, 19, 20, 21, 22, 24, 25, 28, 29, 30, 33, 36, 38, 40,
        41, 47, 50, 52, 63, 64, 65, 66, 78, 82, 83, 84, 107, 261, 463,
      ]),
    );
  });

  it('maps ResultStatus spellings to result', () => {
    const expected: Record<string, string> = {
      Succeeded: 'success',
      success: 'success',
      True: 'success',
      TRUE: 'success',
      Failed: 'failure',
      failed: 'failure',
      False: 'failure',
      PartiallySucceeded: 'partial',
      InProgress: 'unknown',
      '': 'unknown',
    };
    for (const [status, result] of Object.entries(expected)) expect(resultOf(status)).toBe(result);
    expect(resultOf(null)).toBe('unknown');
    expect(normalizeRecord({ ResultStatus: true }, ctx()).resultStatus).toBe('true');
  });

  it('still yields an event for a record with nothing in it, listing what is missing', () => {
    const e = valid(normalizeRecord({}, ctx(exchange)));
    expect(e).toMatchObject({
      id: null,
      time: null,
      recordType: null,
      recordTypeName: null,
      result: 'unknown',
      dlp: null,
      raw: {},
    });
    expect(e.errors).toEqual(['Id is missing', 'CreationTime is missing']);
  });

  it('flags wrongly typed fields without throwing', () => {
    const e = valid(
      normalizeRecord(
        {
          Id: { x: 1 },
          CreationTime: '2024-01-01T00:00:00',
          RecordType: 'forty',
          UserType: 1.5,
          Workload: ['x'],
          UserId: 7,
        },
        ctx(exchange),
      ),
    );
    expect(e.errors).toEqual([
      'Id is not text: {"x":1}',
      'RecordType is not an integer: "forty"',
      'UserType is not an integer: 1.5',
      'Workload is not text: ["x"]',
      'Workload (product) is not text: ["x"]',
    ]);
    expect(e.user.id).toBe('7');
  });

  it('keeps JSON-in-strings raw, and flags a broken Data', () => {
    const record = {
      Id: 'a',
      CreationTime: '2024-01-01T00:00:00',
      Data: '{"etype":"User","eid":"x"',
      ExceptionInfo: '{ "Justification": "ok" }',
    };
    const e = valid(normalizeRecord(record, ctx({ contentType: 'Audit.General' })));
    expect(e.raw).toEqual(record);
    expect(e.errors).toHaveLength(1);
    expect(e.errors![0]).toMatch(/^Data is not valid JSON text/);
    const fine = normalizeRecord(
      { ...record, Data: '{"etype":"User"}' },
      ctx({ contentType: 'Audit.General' }),
    );
    expect(fine.errors).toBeUndefined();
  });

  it('summarises DLP records whose ExceptionInfo is an object or a string, and PolicyDetails sent as text', () => {
    const withObject = { ...dlpRecord(), ExceptionInfo: { Reason: 'Override', Justification: 'x' } };
    expect(valid(normalizeRecord(withObject, ctx())).dlp?.policies).toEqual(['U.S. Financial Data']);
    const asText = { ...dlpRecord(), PolicyDetails: JSON.stringify(dlpRecord().PolicyDetails) };
    expect(valid(normalizeRecord(asText, ctx())).dlp).toMatchObject({
      policies: ['U.S. Financial Data'],
      findingsMasked: false,
    });
    const endpoint = {
      Id: 'e',
      CreationTime: '2024-01-01T00:00:00',
      RecordType: 63,
      EndpointMetaData: {
        SensitiveInformation: [{ SensitiveType: 'guid-1' }, { SensitiveInformationTypeName: 'SSN' }],
      },
      PolicyDetails: [
        {
          PolicyName: 'P',
          Rules: [
            { RuleName: 'R', Severity: 'Low' },
            { RuleName: 'R', Severity: 'Low' },
          ],
        },
      ],
    };
    expect(normalizeRecord(endpoint, ctx({ contentType: 'Audit.General' })).dlp).toEqual({
      policies: ['P'],
      rules: ['R'],
      severities: ['Low'],
      sensitiveTypes: ['guid-1', 'SSN'],
      findingsMasked: false,
    });
    expect(normalizeRecord({ Id: 'x' }, ctx(exchange)).dlp).toBeNull();
  });

  it('takes product, eventName and environment from the configured fields', () => {
    const record = {
      Id: 'a',
      CreationTime: '2024-01-01T00:00:00',
      Workload: 'SharePoint',
      Operation: 'FileAccessed',
      SiteUrl: 'https://contoso-prod.sharepoint.com/sites/x',
      Meta: { Env: 'stage' },
    };
    const c = (over: Parameters<typeof fields>[0]) => ctx({ ...exchange, fields: fields(over) });
    expect(
      normalizeRecord(record, c({ environment: 'SiteUrl', environmentRegex: /contoso-(\w+)\./g }))
        .environment,
    ).toBe('prod');
    // A global regex must not carry lastIndex from one record to the next.
    const g = c({ environment: 'SiteUrl', environmentRegex: /contoso-(\w+)\./g });
    expect([normalizeRecord(record, g).environment, normalizeRecord(record, g).environment]).toEqual([
      'prod',
      'prod',
    ]);
    expect(
      normalizeRecord(record, c({ environment: 'SiteUrl', environmentRegex: /sharepoint/ })).environment,
    ).toBe('sharepoint');
    expect(
      normalizeRecord(record, c({ environment: 'SiteUrl', environmentRegex: /^nomatch$/ })).environment,
    ).toBe('default');
    expect(normalizeRecord(record, c({ environment: 'Missing' })).environment).toBe('default');
    expect(normalizeRecord(record, c({ environment: 'Meta.Env' })).environment).toBe('stage');
    const swapped = normalizeRecord(record, c({ product: 'Operation', event: 'Workload' }));
    expect([swapped.product, swapped.eventName]).toEqual(['FileAccessed', 'SharePoint']);
  });

  it('accepts ingestedAt as a Date or ISO text and never reads the clock', () => {
    const at = new Date('2030-01-02T03:04:05.678Z');
    expect(normalizeRecord({}, ctx({ ingestedAt: at })).ingestedAt).toBe('2030-01-02T03:04:05.678Z');
  });
});

describe('normalizeInvalid', () => {
  it('writes a non-object element through with an error and its raw value', () => {
    const e = valid(
      normalizeInvalid(
        { kind: 'invalid', index: 7, raw: [1, 'x'], reason: 'element is an array, not an object' },
        ctx(),
      ),
    );
    expect(e).toMatchObject({ id: null, raw: [1, 'x'], environment: 'default', contentType: 'DLP.All' });
    expect(e.errors).toEqual(['array element 7 is not a record: element is an array, not an object']);
  });
});

describe('every event validates against the schema', () => {
  const loose = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constantFrom(
      '40',
      '2024-05-14T09:21:07',
      '2024-05-14T09:21:07.1234567Z',
      '1.2.3.4:80',
      '[::1]:1',
      'Succeeded',
      '{"a":',
      '{"Entities":[]}',
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const record = fc.record(
    {
      Id: loose,
      CreationTime: loose,
      RecordType: loose,
      UserType: loose,
      UserId: loose,
      UserKey: loose,
      Workload: loose,
      Operation: loose,
      ResultStatus: loose,
      ClientIP: loose,
      ObjectId: loose,
      Data: loose,
      PolicyDetails: fc.oneof(loose, fc.constant(dlpRecord().PolicyDetails)),
      EndpointMetaData: loose,
      ExceptionInfo: loose,
    },
    { requiredKeys: [] },
  );

  it('property: normalizeRecord never throws and its output always parses', () => {
    fc.assert(
      fc.property(record, fc.constantFrom('DLP.All', 'Audit.General', 'Audit.Exchange'), (r, contentType) => {
        const event = normalizeRecord(r, ctx({ contentType, fields: fields({ environment: 'Operation' }) }));
        valid(event);
        expect(event.errors === undefined || event.errors.length > 0).toBe(true);
        // Output is written as NDJSON: it must survive a JSON round trip unchanged.
        expect(valid(JSON.parse(JSON.stringify(event)))).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });

  it('property: normalizeInvalid output always parses', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (raw, index) => {
        valid(normalizeInvalid({ kind: 'invalid', index, raw, reason: 'not an object' }, ctx()));
      }),
    );
  });
});
