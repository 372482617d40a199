/**
 * The normalizer over what the simulator generates (every content type, its quirks included:
 * numbers as strings, zone-less times, `ip:port` and IPv6 client addresses, null ClientIP, JSON in
 * `Data` strings, AIR entities): every record yields a schema-valid v1 event without `errors`.
 * The hand-written edge records live in normalize.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, type ContentType } from '../../../shared/content-types.js';
import { extractEntityEvents } from '../../../shared/processor/entities.js';
import { maskFindings } from '../../../shared/processor/mask.js';
import { normalizeRecord } from '../../../shared/processor/normalize.js';
import { KNOWN_RECORD_TYPES } from '../../../shared/processor/record-types.js';
import { NormalizedEventSchema } from '../../../shared/schema/normalized-event.js';
import { buildRecord } from '../../../tools/simulator/generator/records.js';
import { mulberry32 } from '../../../tools/simulator/prng.js';
import { ctx, TENANT } from './helpers.js';

const PER_TYPE = 400;
const ENTITY_KEYS = ['mailbox', 'mailMessage', 'url', 'ip', 'mailCluster'];

function generated(contentType: ContentType): Record<string, unknown>[] {
  const rng = mulberry32(20261202 + CONTENT_TYPES.indexOf(contentType));
  const recordCtx = {
    tenantId: TENANT,
    domain: 'contoso.onmicrosoft.com',
    createdMs: Date.UTC(2024, 4, 14, 9),
  };
  return Array.from({ length: PER_TYPE }, (_, i) =>
    buildRecord(contentType, rng, `id-${contentType}-${i}`, recordCtx),
  );
}

describe.each(CONTENT_TYPES)('normalizing simulator records of %s', (contentType) => {
  const records = generated(contentType);
  const context = ctx({ contentType });

  it('gives schema-valid events without errors, with the common fields read', () => {
    const problems: string[] = [];
    for (const record of records) {
      const masked = maskFindings(record, { enabled: true, style: 'redact' });
      const event = normalizeRecord(masked.record, context, { findingsMasked: masked.maskedValues > 0 });
      const parsed = NormalizedEventSchema.safeParse(event);
      if (!parsed.success) problems.push(`${String(record.Id)}: ${JSON.stringify(parsed.error.issues)}`);
      if (event.errors) problems.push(`${String(record.Id)}: ${event.errors.join('; ')}`);
      if (event.id !== record.Id) problems.push(`${String(record.Id)}: id ${event.id}`);
      if (event.time === null || Number.isNaN(Date.parse(event.time)))
        problems.push(`${String(record.Id)}: time`);
      if (event.recordType === null || !KNOWN_RECORD_TYPES.includes(event.recordType)) {
        problems.push(`${String(record.Id)}: recordType ${event.recordType}`);
      }
      if (event.operation === null || event.workload === null)
        problems.push(`${String(record.Id)}: operation/workload`);
      if (contentType === 'DLP.All' && event.dlp === null)
        problems.push(`${String(record.Id)}: no dlp summary`);
    }
    expect(problems).toEqual([]);
  });

  it('reads the client address whenever the record carries one', () => {
    const withIp = records.filter((r) => typeof (r.ClientIP ?? r.ClientIPAddress) === 'string');
    if (contentType === 'Audit.AzureActiveDirectory') {
      // Entra sends `ClientIP: null` (the address is in ActorIpAddress/ExtendedProperties).
      expect(withIp).toEqual([]);
      expect(records.every((r) => normalizeRecord(r, context).clientIp === null)).toBe(true);
      return;
    }
    expect(withIp.length).toBeGreaterThan(PER_TYPE / 2);
    for (const record of withIp) {
      const event = normalizeRecord(record, context);
      expect(event.clientIp, String(record.ClientIP ?? record.ClientIPAddress)).not.toBeNull();
      // A port is never kept: the address alone, IPv4 or IPv6.
      expect(event.clientIp).toMatch(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i);
    }
  });
});

describe('entity events from simulator Audit.General records', () => {
  it('are schema-valid, without errors, with a parent and a unique id', () => {
    const events = generated('Audit.General').flatMap((record) =>
      extractEntityEvents(record, ENTITY_KEYS, ctx({ contentType: 'Audit.General' })),
    );
    expect(events.length).toBeGreaterThan(50);
    for (const event of events) {
      expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      expect(event.errors).toBeUndefined();
      expect(event.parentId).not.toBeNull();
      expect(ENTITY_KEYS).toContain(event.entity?.type);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});
