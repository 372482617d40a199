import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCommittedSchema, renderSchemaFile, SCHEMA_FILE } from '../../../tools/gen-schema.js';
import { normalizedEventJsonSchema } from '../../../shared/schema/normalized-event.js';

describe('docs/schema/normalized-event.v1.json', () => {
  it('matches the zod schema it is generated from', () => {
    const generated = renderSchemaFile();
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, generated);
    const committed = readCommittedSchema();
    expect(
      committed,
      'docs/schema/normalized-event.v1.json is missing or stale; regenerate it with: UPDATE_SCHEMA=1 npx vitest run test/unit/processor/schema.test.ts',
    ).toBe(generated);
  });

  it('describes every field of NormalizedEvent v1, with only errors optional', () => {
    const schema = normalizedEventJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    const fields = [
      'schemaVersion',
      'id',
      'time',
      'tenantId',
      'contentType',
      'contentId',
      'workload',
      'recordType',
      'recordTypeName',
      'operation',
      'result',
      'resultStatus',
      'user',
      'clientIp',
      'objectId',
      'product',
      'eventName',
      'environment',
      'dlp',
      'parentId',
      'entity',
      'ingestedAt',
      'raw',
      'errors',
    ];
    expect(Object.keys(schema.properties).sort()).toEqual([...fields].sort());
    expect([...schema.required].sort()).toEqual(fields.filter((f) => f !== 'errors').sort());
    expect(schema.additionalProperties).toBe(false);
  });
});
