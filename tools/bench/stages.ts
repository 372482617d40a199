/**
 * Where the processor's CPU goes, in process, no network: the same blobs (all content types) as
 * bytes in memory, through growing prefixes of the per-record chain — stream parse; + dedupe and
 * filter; + mask; + normalize and entities; + JSON.stringify; + gzip — and the floor (JSON.parse
 * of the whole body + gzip of the raw bytes). The difference between two prefixes is a stage's
 * cost.
 */
import { Readable } from 'node:stream';
import { constants as zlibConstants, gzipSync } from 'node:zlib';
import { loadConfig } from '../../shared/config.js';
import { CONTENT_TYPES } from '../../shared/content-types.js';
import { createDeduper } from '../../shared/processor/dedupe.js';
import { extractEntityEvents } from '../../shared/processor/entities.js';
import { createRecordFilter } from '../../shared/processor/filter.js';
import { maskFindings } from '../../shared/processor/mask.js';
import { normalizeRecord, type NormalizeContext } from '../../shared/processor/normalize.js';
import { parseRecords } from '../../shared/processor/parse.js';
import { startSimulator } from '../simulator/index.js';
import { median } from './stats.js';

const CHUNK = 64 * 1024;
export const STAGES = [
  'floor: JSON.parse whole + gzip raw',
  'JSON.parse whole only',
  'stream parse (parseRecords)',
  'stream parse + structuredClone per record',
  '+ dedupe + filter',
  '+ mask',
  '+ normalize + entities',
  '+ JSON.stringify (NDJSON)',
  '+ gzip = processor CPU',
  'processor CPU with gzip level 1',
] as const;

export interface StagesResult {
  blobs: number;
  records: number;
  bytes: number;
  reps: number;
  /** Median ms per variant for all blobs. */
  ms: Record<string, number>;
}

function chunks(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += CHUNK) out.push(body.subarray(i, i + CHUNK));
  return out;
}

export async function benchStages(o: { reps: number; eventsPerHour: number }): Promise<StagesResult> {
  const sim = await startSimulator({ seed: 5, hours: 1, eventsPerHour: o.eventsPerHour });
  const tenantId = sim.tenants[0]!.tenantId;
  const bodies: Array<{ contentType: string; contentId: string; body: Buffer }> = [];
  let records = 0;
  try {
    for (const ct of CONTENT_TYPES) {
      for (const b of sim.blobs(tenantId, ct)) {
        const recs = sim.blobRecords?.(tenantId, b.contentId) ?? [];
        records += recs.length;
        bodies.push({ contentType: ct, contentId: b.contentId, body: Buffer.from(JSON.stringify(recs)) });
      }
    }
  } finally {
    await sim.close();
  }
  const config = loadConfig({
    O365_TENANT_ID: tenantId,
    O365_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
    O365_CLIENT_SECRET: 'bench-secret-value',
    O365_FILTER_OPERATIONS: 'FileAccessed',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  });

  const chain = async (blob: (typeof bodies)[number], depth: number, clone = false) => {
    const ctx: NormalizeContext = {
      tenantId,
      contentType: blob.contentType,
      contentId: blob.contentId,
      ingestedAt: '2026-01-01T00:00:00.000Z',
      fields: config.fields,
    };
    const keep = createRecordFilter(config.filter);
    const dedupe = createDeduper();
    const lines: string[] = [];
    for await (const item of parseRecords(Readable.from(chunks(blob.body)))) {
      // What maskFindings did to every record without findings before it returned them as they
      // are: kept to size that choice.
      if (clone && item.kind === 'record') structuredClone(item.record);
      if (depth < 2 || item.kind !== 'record') continue;
      if (dedupe.seen(item.record) || !keep(item.record).keep) continue;
      if (depth < 3) continue;
      const masked = maskFindings(item.record, config.mask);
      if (depth < 4) continue;
      const event = normalizeRecord(masked.record, ctx, { findingsMasked: masked.maskedValues > 0 });
      const derived = extractEntityEvents(masked.record, config.entityKeys, ctx);
      if (depth < 5) continue;
      lines.push(`${JSON.stringify(event)}\n`);
      for (const d of derived) lines.push(`${JSON.stringify(d)}\n`);
    }
    if (depth >= 6)
      gzipSync(lines.join(''), { level: depth === 7 ? 1 : zlibConstants.Z_DEFAULT_COMPRESSION });
  };

  const variants: Record<(typeof STAGES)[number], () => Promise<void>> = {
    'floor: JSON.parse whole + gzip raw': () => {
      for (const b of bodies) {
        JSON.parse(b.body.toString('utf8'));
        gzipSync(b.body);
      }
      return Promise.resolve();
    },
    'JSON.parse whole only': () => {
      for (const b of bodies) JSON.parse(b.body.toString('utf8'));
      return Promise.resolve();
    },
    'stream parse (parseRecords)': async () => {
      for (const b of bodies) await chain(b, 1);
    },
    'stream parse + structuredClone per record': async () => {
      for (const b of bodies) await chain(b, 1, true);
    },
    '+ dedupe + filter': async () => {
      for (const b of bodies) await chain(b, 2);
    },
    '+ mask': async () => {
      for (const b of bodies) await chain(b, 3);
    },
    '+ normalize + entities': async () => {
      for (const b of bodies) await chain(b, 4);
    },
    '+ JSON.stringify (NDJSON)': async () => {
      for (const b of bodies) await chain(b, 5);
    },
    '+ gzip = processor CPU': async () => {
      for (const b of bodies) await chain(b, 6);
    },
    'processor CPU with gzip level 1': async () => {
      for (const b of bodies) await chain(b, 7);
    },
  };
  const samples: Record<string, number[]> = {};
  await variants['+ gzip = processor CPU'](); // warm-up
  for (let rep = 0; rep < o.reps; rep++) {
    for (const name of STAGES) {
      const t0 = performance.now();
      await variants[name]();
      (samples[name] ??= []).push(performance.now() - t0);
    }
  }
  return {
    blobs: bodies.length,
    records,
    bytes: bodies.reduce((n, b) => n + b.body.length, 0),
    reps: o.reps,
    ms: Object.fromEntries(STAGES.map((s) => [s, median(samples[s] ?? [])])),
  };
}
