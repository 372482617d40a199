/** Shared builders for the processor stage tests. */
import type { FieldConfig } from '../../../shared/config.js';
import type { NormalizeContext } from '../../../shared/processor/normalize.js';
import type { ParsedItem } from '../../../shared/processor/parse.js';

export const TENANT = '11111111-2222-3333-4444-555555555555';

export const fields = (over: Partial<FieldConfig> = {}): FieldConfig => ({
  product: 'Workload',
  event: 'Operation',
  environmentRegex: /.*/,
  defaultEnvironment: 'default',
  ...over,
});

export const ctx = (over: Partial<NormalizeContext> = {}): NormalizeContext => ({
  tenantId: TENANT,
  contentType: 'DLP.All',
  contentId: '20240514092100000$20240514092100000$dlp_all$DLP_All$na0017',
  ingestedAt: '2024-05-14T10:00:00.000Z',
  fields: fields(),
  ...over,
});

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The realistic DLP.All record of reference §12.3 (synthetic values). */
export function dlpRecord(): Record<string, unknown> {
  return {
    CreationTime: '2024-05-14T09:21:07',
    Id: '7f3c2a10-5b6e-4d1f-9c2a-0e8b7d6a5f41',
    Operation: 'DlpRuleMatch',
    OrganizationId: TENANT,
    RecordType: 13,
    UserKey: '1153801120595078600',
    UserType: 4,
    Version: 1,
    Workload: 'Exchange',
    ObjectId: '<MW4PR01MB0000000000@MW4PR01MB0000.namprd01.prod.outlook.com>',
    UserId: 'alice@contoso.onmicrosoft.com',
    IncidentId: '3d3db700-9bea-643b-3000-08dc74a1b2c3',
    SensitiveInfoDetectionIsIncluded: true,
    PolicyDetails: [
      {
        PolicyId: 'fad884cb-d5a5-4ad2-9dab-24283e4bb6cc',
        PolicyName: 'U.S. Financial Data',
        Rules: [
          {
            RuleId: '51e3d97a-e159-4645-9092-608bd24e083a',
            RuleName: 'High volume of content detected U.S. Financial',
            Actions: ['BlockAccess', 'NotifyUser', 'GenerateIncidentReport'],
            RuleMode: 'Enable',
            Severity: 'High',
            ConditionsMatched: {
              ConditionMatchedInNewScheme: true,
              OtherConditions: [{ Name: 'AccessScope', Value: 'IncludeExternalUsers' }],
              SensitiveInformation: [
                {
                  ClassifierType: 'Content',
                  Confidence: 85,
                  Count: 2,
                  UniqueCount: 2,
                  Location: 'Message Body',
                  SensitiveType: '50842eb7-edc8-4019-85dd-5a5c1f2bb085',
                  SensitiveInformationTypeName: 'Credit Card Number',
                  SensitiveInformationDetailedClassificationAttributes: [
                    { Confidence: 85, Count: 2, IsMatch: true },
                  ],
                  SensitiveInformationDetections: {
                    DetectedValues: [
                      {
                        Name: '4111 1111 1111 1111',
                        Value: 'card on file is 4111 1111 1111 1111 exp 09/27 please',
                      },
                      { Name: '5500 0000 0000 0004', Value: 'backup card 5500 0000 0000 0004 for the' },
                    ],
                    ResultsTruncated: false,
                  },
                },
              ],
            },
          },
        ],
      },
    ],
    ExchangeMetaData: {
      MessageID: '<MW4PR01MB0000000000@MW4PR01MB0000.namprd01.prod.outlook.com>',
      From: 'alice@contoso.onmicrosoft.com',
      To: ['bob@fabrikam.example'],
      CC: [],
      BCC: [],
      Subject: 'Payment details 4111-1111-1111-1111',
      Sent: '2024-05-14T09:21:05',
      RecipientCount: 1,
    },
    ExceptionInfo: '{ "Justification": "Customer asked for 4111111111111111" }',
  };
}

/** A source that hands out its pieces asynchronously, one tick apart, like a socket. */
export async function* asAsync<T>(pieces: Iterable<T>): AsyncGenerator<T> {
  for (const piece of pieces) {
    await Promise.resolve();
    yield piece;
  }
}

/** Feed a text body to the parser as bytes, in pieces of the given sizes (cycled). */
export function chunked(body: string | Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const pieces: Uint8Array[] = [];
  let i = 0;
  for (let at = 0; at < bytes.length;) {
    const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return asAsync(pieces);
}

export async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}
