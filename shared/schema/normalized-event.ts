/**
 * NormalizedEvent v1: one JSON object per line in the output blobs. This zod schema is the single
 * source of truth: the TypeScript type is inferred from it and `docs/schema/normalized-event.v1.json`
 * is generated from it (see `normalizedEventJsonSchema`). Every field is always present (null when
 * unknown) so columnar readers see a stable shape; only `errors` is omitted when there are none.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

const text = z.string();
const nullableText = text.nullable();

export const RESULTS = ['success', 'failure', 'partial', 'unknown'] as const;

export const DlpSummarySchema = z
  .object({
    policies: z.array(text).describe('PolicyDetails[].PolicyName, distinct, in record order'),
    rules: z.array(text).describe('PolicyDetails[].Rules[].RuleName, distinct'),
    severities: z.array(text).describe('PolicyDetails[].Rules[].Severity, distinct'),
    sensitiveTypes: z
      .array(text)
      .describe('SensitiveInformationTypeName (or the SensitiveType GUID) of every match, distinct'),
    findingsMasked: z.boolean().describe('true when sensitive values in this record were masked'),
  })
  .strict();

export const EntityRefSchema = z
  .object({
    type: text.describe('the entity Type, as written in the record'),
    path: text.describe('where the entity was found, e.g. Data.Entities[2] or Actions[0].Entities[1]'),
    refId: nullableText.describe('the entity $id within its document'),
  })
  .strict();

export const NormalizedEventSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    id: nullableText.describe('record Id; for entity-derived events a deterministic hash'),
    time: z.iso.datetime().nullable().describe('record CreationTime, ISO-8601 UTC with Z'),
    tenantId: text,
    contentType: text,
    contentId: text,
    workload: nullableText,
    recordType: z.number().int().nullable(),
    recordTypeName: nullableText.describe('RecordType enum name, Unknown(<n>) for values not in the table'),
    operation: nullableText,
    result: z.enum(RESULTS),
    resultStatus: nullableText.describe('ResultStatus as written in the record'),
    user: z
      .object({
        id: nullableText.describe('UserId'),
        key: nullableText.describe('UserKey'),
        type: z.number().int().nullable().describe('UserType'),
        typeName: nullableText,
      })
      .strict(),
    clientIp: text
      .refine((v) => isIP(v) !== 0, { error: 'is not an IPv4 or IPv6 address' })
      .nullable()
      .describe('client address without port or brackets'),
    objectId: nullableText,
    product: nullableText,
    eventName: nullableText,
    environment: text,
    dlp: DlpSummarySchema.nullable().describe('present for DLP records'),
    parentId: nullableText.describe('Id of the record an entity-derived event came from'),
    entity: EntityRefSchema.nullable().describe('set for entity-derived events; the entity itself is in raw'),
    ingestedAt: z.iso.datetime(),
    raw: z.unknown().describe('the original record (or entity) after masking'),
    errors: z
      .array(text)
      .min(1)
      .optional()
      .describe('what could not be normalized; absent when all went well'),
  })
  .strict();

export type NormalizedEvent = z.infer<typeof NormalizedEventSchema>;
export type DlpSummary = z.infer<typeof DlpSummarySchema>;
export type EntityRef = z.infer<typeof EntityRefSchema>;
export type Result = (typeof RESULTS)[number];

/** The published JSON Schema of NormalizedEvent v1 (committed as docs/schema/normalized-event.v1.json). */
export function normalizedEventJsonSchema(): Record<string, unknown> {
  return {
    title: 'NormalizedEvent v1',
    description:
      'One line of an o365-events output blob (gzip NDJSON). Generated from shared/schema/normalized-event.ts.',
    ...z.toJSONSchema(NormalizedEventSchema, { target: 'draft-2020-12', io: 'output' }),
  };
}
