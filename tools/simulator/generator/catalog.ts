/**
 * The content of every tenant, derived lazily from the seed. Listing needs only per-hour blob
 * metadata (a few PRNG draws); a blob's records are built only when it is fetched or its ground
 * truth is asked for. Nothing but explicitly added late blobs is stored, so a week of history at
 * thousands of events per hour costs no memory.
 */
import type { ContentType } from '../../../shared/content-types.js';
import { CONTENT_TYPES } from '../../../shared/content-types.js';
import { hashKey, mulberry32, rngFor, shuffle } from '../prng.js';
import type { TenantRecord } from '../tenants.js';
import { DAY, HOUR, contentIdStamp, hourOf, parseContentIdStamp } from '../time.js';
import type { AuditRecord } from './common.js';
import { buildRecord } from './records.js';

export interface CatalogOptions {
  seed: number;
  eventsPerHour: number;
  blobsPerHour?: number;
  lateFraction: number;
  /** Generated content starts here (clock time at start minus `hours`). */
  historyStartMs: number;
  contentExpirationMs?: number;
}

export interface BlobMeta {
  tenant: TenantRecord;
  contentType: ContentType;
  /** Hour bucket of generated blobs, or `late-N` for blobs added with addLateBlob. */
  bucket: string;
  index: number;
  createdMs: number;
  listableMs: number;
  expirationMs: number;
  contentId: string;
  ownCount: number;
}

/** (bucket, blob index, record index) of the record's owning blob. */
type RecordKey = readonly [string, number, number];

const CT_TAGS = (ct: ContentType): string => `${ct.toLowerCase().replace('.', '_')}$${ct.replace('.', '_')}`;

export class ContentCatalog {
  private readonly late = new Map<string, Map<string, BlobMeta>>();
  private lateCounter = 0;

  constructor(private readonly opts: CatalogOptions) {}

  private blobsPerHour(rngValue: number): number {
    if (this.opts.blobsPerHour) return this.opts.blobsPerHour;
    const base = Math.min(8, Math.max(3, Math.ceil(this.opts.eventsPerHour / 2500)));
    return base + (rngValue < 0.5 ? 0 : 1);
  }

  private expiration(createdMs: number): number {
    return createdMs + (this.opts.contentExpirationMs ?? 7 * DAY);
  }

  private contentId(t: TenantRecord, ct: ContentType, createdMs: number, aggMs: number, sub: number): string {
    return `${contentIdStamp(aggMs, sub)}$${contentIdStamp(createdMs, sub)}$${CT_TAGS(ct)}$${t.region}`;
  }

  /** The generated blobs of one hour bucket, sorted by contentCreated. */
  hourBlobs(t: TenantRecord, ct: ContentType, hour: number): BlobMeta[] {
    const { seed, eventsPerHour } = this.opts;
    const rng = rngFor(seed, 'hour', t.index, ct, hour);
    const n = this.blobsPerHour(rng.next());
    const offsets = Array.from({ length: n }, () => rng.int(0, HOUR - 1)).sort((a, b) => a - b);
    const late = rngFor(seed, 'late', t.index, ct, hour);
    return offsets.map((offset, index) => {
      const createdMs = hour * HOUR + offset;
      const sub = rng.int(0, 999) * 10 + index;
      const aggMs = createdMs - rng.int(30, 600) * 1000;
      const ownCount = Math.max(1, Math.round((eventsPerHour / n) * (0.7 + 0.6 * rng.next())));
      const delayMs = late.chance(this.opts.lateFraction) ? late.int(10, 120) * 60_000 : 0;
      return {
        tenant: t,
        contentType: ct,
        bucket: String(hour),
        index,
        createdMs,
        listableMs: createdMs + delayMs,
        expirationMs: this.expiration(createdMs),
        contentId: this.contentId(t, ct, createdMs, aggMs, sub),
        ownCount,
      };
    });
  }

  /** Every blob (generated and late) with contentCreated in [fromMs, toMs), sorted by contentCreated. */
  blobsInRange(t: TenantRecord, ct: ContentType, fromMs: number, toMs: number): BlobMeta[] {
    const out: BlobMeta[] = [];
    const from = Math.max(fromMs, this.opts.historyStartMs);
    if (from < toMs) {
      for (let h = hourOf(from); h <= hourOf(toMs - 1); h++) {
        for (const b of this.hourBlobs(t, ct, h)) if (b.createdMs >= from && b.createdMs < toMs) out.push(b);
      }
    }
    for (const b of this.late.get(t.tenant.tenantId)?.values() ?? []) {
      if (b.contentType === ct && b.createdMs >= fromMs && b.createdMs < toMs) out.push(b);
    }
    return out.sort((a, b) => a.createdMs - b.createdMs || a.contentId.localeCompare(b.contentId));
  }

  addLate(t: TenantRecord, ct: ContentType, createdMs: number, listableMs: number): BlobMeta {
    const n = ++this.lateCounter;
    const rng = rngFor(this.opts.seed, 'lateblob', t.index, ct, n);
    const sub = rng.int(0, 999) * 10;
    const meta: BlobMeta = {
      tenant: t,
      contentType: ct,
      bucket: `late-${n}`,
      index: 0,
      createdMs,
      listableMs: Math.max(listableMs, createdMs),
      expirationMs: this.expiration(createdMs),
      contentId: this.contentId(t, ct, createdMs, createdMs - rng.int(30, 600) * 1000, sub),
      ownCount: Math.max(1, Math.round(this.opts.eventsPerHour / 4)),
    };
    let byId = this.late.get(t.tenant.tenantId);
    if (!byId) this.late.set(t.tenant.tenantId, (byId = new Map()));
    byId.set(meta.contentId, meta);
    return meta;
  }

  /** 'invalid' when the id is not shaped like a contentId (AF20052), undefined when unknown (AF20050). */
  find(t: TenantRecord, contentId: string): BlobMeta | 'invalid' | undefined {
    const late = this.late.get(t.tenant.tenantId)?.get(contentId);
    if (late) return late;
    const parts = contentId.split('$');
    const ct = CONTENT_TYPES.find((c) => c.replace('.', '_') === parts[3]);
    const created = parseContentIdStamp(parts[1] ?? '');
    if (
      parts.length !== 5 ||
      created === undefined ||
      !ct ||
      parseContentIdStamp(parts[0] ?? '') === undefined
    ) {
      return 'invalid';
    }
    if (created < this.opts.historyStartMs) return undefined;
    return this.hourBlobs(t, ct, hourOf(created)).find((b) => b.contentId === contentId);
  }

  /** The records' keys in served order: own records, some repeated, some borrowed from the previous blob. */
  private keys(meta: BlobMeta): RecordKey[] {
    const rng = rngFor(this.opts.seed, 'keys', meta.tenant.index, meta.contentType, meta.bucket, meta.index);
    const keys: RecordKey[] = Array.from(
      { length: meta.ownCount },
      (_, i) => [meta.bucket, meta.index, i] as const,
    );
    // Duplicates are by design in this API: the same Id within a blob and across blobs.
    if (meta.index > 0 && rng.chance(0.3)) {
      const prev = this.hourBlobs(meta.tenant, meta.contentType, Number(meta.bucket))[meta.index - 1];
      if (prev)
        for (let k = rng.int(1, 3); k > 0; k--)
          keys.push([prev.bucket, prev.index, rng.int(0, prev.ownCount - 1)]);
    }
    if (rng.chance(0.3))
      for (let k = rng.int(1, 2); k > 0; k--)
        keys.push([meta.bucket, meta.index, rng.int(0, meta.ownCount - 1)]);
    return shuffle(keys, rng);
  }

  private recordRng(meta: BlobMeta, key: RecordKey) {
    return mulberry32(hashKey(this.opts.seed, 'rec', meta.tenant.index, meta.contentType, ...key));
  }

  recordCount(meta: BlobMeta): number {
    return this.keys(meta).length;
  }

  /** Unique record Ids in served order (cheap: no record bodies are built). */
  eventIds(meta: BlobMeta): string[] {
    const ids = new Set<string>();
    for (const key of this.keys(meta)) ids.add(this.recordRng(meta, key).uuid());
    return [...ids];
  }

  records(meta: BlobMeta): AuditRecord[] {
    return this.keys(meta).map((key) => {
      const rng = this.recordRng(meta, key);
      const id = rng.uuid();
      // A borrowed record keeps the event time of the blob that first carried it.
      const ownerCreated =
        key[0] === meta.bucket && key[1] === meta.index
          ? meta.createdMs
          : (this.hourBlobs(meta.tenant, meta.contentType, Number(key[0]))[key[1]]?.createdMs ??
            meta.createdMs);
      return buildRecord(meta.contentType, rng, id, {
        tenantId: meta.tenant.tenant.tenantId,
        domain: meta.tenant.domain,
        createdMs: ownerCreated,
      });
    });
  }
}
