/**
 * Cross-blob dedupe through event-Id claims, against real Azurite: the API serves the same record
 * Id in more than one content blob (reference §5); output must hold each Id once, reprocessing
 * must still write identical bytes, and a blob that fails for good must not swallow Ids.
 */
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManagementApi } from '../../shared/api/types.js';
import { runEnumeration } from '../../shared/enumerator/enumerate.js';
import { processContentMessage, type ProcessorDeps } from '../../shared/processor/process-content.js';
import { enumeratorSettings } from '../../shared/runtime.js';
import { CLAIM_RETENTION_MS, claimPartition } from '../../shared/storage/event-ids.js';
import { outputBlobName } from '../../shared/storage/names.js';
import type { ContentMessage } from '../../shared/storage/types.js';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.js';
import { uniqueName } from '../helpers/storage.js';

const HOUR = 3_600_000;

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

type Rec = Record<string, unknown>;

function record(i: number, creationMs: number, extra: Rec = {}): Rec {
  return {
    Id: `6e3abeb0-eb1c-4347-8105-${String(i).padStart(12, '0')}`,
    CreationTime: new Date(creationMs).toISOString().slice(0, 19),
    RecordType: 1,
    Operation: 'Set-Mailbox',
    Workload: 'Exchange',
    UserId: 'alice@contoso.example',
    ResultStatus: 'True',
    ...extra,
  };
}

/** A tenant whose blobs we write by hand; `failAfter` makes a blob's body break after N records. */
async function setup() {
  p = await startTestPipeline({}, { O365_EVENT_ID_TABLE: uniqueName('evid') });
  const pipeline = p;
  const tenant = pipeline.rt.config.tenantId;
  const bodies = new Map<string, { records: Rec[]; failAfter?: number }>();
  const api: ManagementApi = {
    ...pipeline.rt.api,
    fetchContent(contentUri) {
      const id = decodeURIComponent(contentUri.split('/').at(-1) ?? '');
      const blob = bodies.get(id);
      if (!blob) throw new Error(`no body for ${id}`);
      async function* chunks() {
        yield '[';
        for (const [i, r] of blob!.records.entries()) {
          if (blob!.failAfter !== undefined && i >= blob!.failAfter) throw new Error('connection reset');
          yield (i > 0 ? ',' : '') + JSON.stringify(r);
          // Let other work (a concurrent blob) interleave between records.
          await new Promise((resolve) => setImmediate(resolve));
        }
        yield ']';
      }
      return Promise.resolve({ stream: Readable.from(chunks()) });
    },
  };
  const deps: ProcessorDeps = {
    config: pipeline.rt.config,
    api,
    guard: pipeline.rt.guard,
    ledger: pipeline.rt.ledger,
    sink: pipeline.rt.sink,
    claims: pipeline.rt.claims,
    clock: pipeline.rt.clock,
    logger: pipeline.rt.logger,
    maxDequeueCount: 5,
  };
  const now = Date.now();
  const message = (name: string): ContentMessage => {
    const contentId = `${name}$${name}$audit_exchange$Audit_Exchange$na0001`;
    return {
      v: 1,
      tenantId: tenant,
      contentType: 'Audit.Exchange',
      contentId,
      contentUri: `${pipeline.sim.apiRoot}/api/v1.0/${tenant}/activity/feed/audit/${encodeURIComponent(contentId)}`,
      contentCreated: new Date(now - HOUR).toISOString(),
      contentExpiration: new Date(now + 6 * 24 * HOUR).toISOString(),
      listedAt: new Date(now - HOUR / 2).toISOString(),
    };
  };
  const serve = (m: ContentMessage, records: Rec[], failAfter?: number) =>
    bodies.set(m.contentId, { records, failAfter });
  const process = (m: ContentMessage, dequeueCount = 1) => processContentMessage(m, dequeueCount, deps);
  const blobName = (m: ContentMessage) =>
    outputBlobName(tenant, m.contentType, m.contentId, m.contentCreated);
  const bytes = (m: ContentMessage) =>
    pipeline.rt.clients.container.getBlobClient(blobName(m)).downloadToBuffer();
  const ids = async (m: ContentMessage) =>
    gunzipSync(await bytes(m))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { id: string | null }).id);
  /** Occurrences of every id across the given blobs' output. */
  const census = async (...ms: ContentMessage[]) => {
    const count = new Map<string | null, number>();
    for (const m of ms) for (const id of await ids(m)) count.set(id, (count.get(id) ?? 0) + 1);
    return count;
  };
  const resetLedger = (m: ContentMessage) => pipeline.rt.ledger.recordOutcome({ ...m, state: 'enqueued' });
  return { tenant, now, message, serve, process, ids, bytes, census, resetLedger, pipeline };
}

describe('event-Id claims (cross-blob dedupe)', () => {
  it('writes an Id served in two blobs once, in the blob that claimed it first; counts the skip', async () => {
    const t = await setup();
    const a = t.message('a1'),
      b = t.message('b1');
    const base = t.now - 2 * HOUR;
    // 250 records: several micro-batches; b repeats 30 of a's, spread over the body, plus 220 of its own.
    const aRecs = Array.from({ length: 250 }, (_, i) => record(i, base + i * 1000));
    const shared = aRecs.filter((_, i) => i % 8 === 0).slice(0, 30);
    const bRecs = [...Array.from({ length: 220 }, (_, i) => record(1000 + i, base + i * 1000)), ...shared];
    t.serve(a, aRecs);
    t.serve(
      b,
      bRecs.sort((x, y) => String(x.Id).localeCompare(String(y.Id)) * -1),
    );
    expect(await t.process(a)).toMatchObject({
      status: 'done',
      counts: { written: 250, crossBlobDuplicates: 0 },
    });
    expect(await t.process(b)).toMatchObject({
      status: 'done',
      counts: { events: 250, written: 220, crossBlobDuplicates: 30, duplicates: 0 },
    });
    const count = await t.census(a, b);
    expect(count.size).toBe(470);
    expect([...count.values()].every((n) => n === 1)).toBe(true);
    const row = await t.pipeline.rt.ledger.get(t.tenant, b.contentType, b.contentId, b.contentCreated);
    expect(row).toMatchObject({ state: 'done', written: 220, crossBlobDuplicates: 30 });
    // Output order is input order, minus the skipped records.
    const skipped = new Set(shared.map((r) => r.Id));
    expect(await t.ids(b)).toEqual(bRecs.filter((r) => !skipped.has(r.Id)).map((r) => r.Id));
  });

  it('reprocessing either blob writes byte-identical output (the owner keeps its Ids)', async () => {
    const t = await setup();
    const a = t.message('a2'),
      b = t.message('b2');
    const base = t.now - 3 * HOUR;
    const aRecs = Array.from({ length: 150 }, (_, i) => record(i, base + i * 60_000));
    t.serve(a, aRecs);
    t.serve(b, [...aRecs.slice(100, 120), ...Array.from({ length: 40 }, (_, i) => record(500 + i, base))]);
    await t.process(a);
    await t.process(b);
    const firstA = await t.bytes(a),
      firstB = await t.bytes(b);
    for (const m of [b, a]) {
      await t.resetLedger(m);
      expect((await t.process(m)).status).toBe('done');
    }
    expect((await t.bytes(a)).equals(firstA)).toBe(true);
    expect((await t.bytes(b)).equals(firstB)).toBe(true);
    expect((await t.ids(b)).length).toBe(40);
  });

  it('two blobs sharing Ids processed at the same time: each Id is written exactly once', async () => {
    const t = await setup();
    const a = t.message('a3'),
      b = t.message('b3');
    const base = t.now - 4 * HOUR;
    // 300 shared Ids in three hour partitions, in opposite orders, so the claims really contend.
    const sharedRecs = Array.from({ length: 300 }, (_, i) => record(i, base + (i % 3) * HOUR));
    const aRecs = [...sharedRecs, ...Array.from({ length: 50 }, (_, i) => record(2000 + i, base))];
    const bRecs = [
      ...[...sharedRecs].reverse(),
      ...Array.from({ length: 50 }, (_, i) => record(3000 + i, base)),
    ];
    t.serve(a, aRecs);
    t.serve(b, bRecs);
    const [ra, rb] = await Promise.all([t.process(a), t.process(b)]);
    expect(ra.status).toBe('done');
    expect(rb.status).toBe('done');
    const count = await t.census(a, b);
    expect(count.size).toBe(400);
    expect([...count].filter(([, n]) => n !== 1)).toEqual([]);
    if (ra.status === 'done' && rb.status === 'done') {
      expect(ra.counts.crossBlobDuplicates + rb.counts.crossBlobDuplicates).toBe(300);
    }
  });

  it('three blobs at once, Ids spread over 40 hours, more records than the claim window: each Id once, reprocessing identical', async () => {
    const t = await setup();
    const [a, b, c] = [t.message('a6'), t.message('b6'), t.message('c6')];
    const base = t.now - 50 * HOUR;
    // Most records in two hours, the rest one or two per hour: the claim transactions of the sparse
    // hours are sent part-full when the window fills (CLAIM_WINDOW), the dense ones when full.
    const at = (i: number) => base + (i % 5 === 0 ? (i % 40) * HOUR : (i % 2) * HOUR) + i;
    const shared = Array.from({ length: 1500 }, (_, i) => record(i, at(i)));
    const own = (from: number) => Array.from({ length: 200 }, (_, i) => record(from + i, at(i)));
    const rotate = (rs: Rec[], k: number) => [...rs.slice(k), ...rs.slice(0, k)];
    t.serve(a, [...shared, ...own(10_000)]);
    t.serve(b, [...own(20_000), ...[...shared].reverse()]);
    t.serve(c, [...rotate(shared, 700), ...own(30_000)]);
    const results = await Promise.all([a, b, c].map((m) => t.process(m)));
    const count = await t.census(a, b, c);
    expect(count.size).toBe(1500 + 3 * 200);
    expect([...count].filter(([, n]) => n !== 1)).toEqual([]);
    const skipped = results.map((r) => (r.status === 'done' ? r.counts.crossBlobDuplicates : NaN));
    expect(skipped.reduce((x, y) => x + y, 0)).toBe(2 * 1500);
    const first = await Promise.all([a, b, c].map((m) => t.bytes(m)));
    for (const m of [c, a, b]) {
      await t.resetLedger(m);
      expect((await t.process(m)).status).toBe('done');
    }
    const again = await Promise.all([a, b, c].map((m) => t.bytes(m)));
    again.forEach((bytes, i) => expect(bytes.equals(first[i]!)).toBe(true));
  });

  it('a claim answers the same whether a conflict is resolved one Id at a time or by reading owners', async () => {
    const t = await setup();
    const claims = t.pipeline.rt.claims;
    const owner = (contentId: string) => ({
      tenantId: t.tenant,
      contentId,
      contentCreated: new Date(t.now).toISOString(),
    });
    const hour = t.now - 6 * HOUR;
    const recs = (from: number, n: number) => Array.from({ length: n }, (_, i) => record(from + i, hour));
    const x = recs(0, 50);
    expect(await claims.session(owner('x$x$x$x$x')).claim(x)).toEqual(Array(50).fill(true));
    // One Id another blob owns: that transaction is sent again without it.
    const y = [...recs(100, 30), x[7]!, ...recs(200, 29)];
    expect(await claims.session(owner('y$y$y$y$y')).claim(y)).toEqual(y.map((r) => r !== x[7]));
    // Ten of them, scattered: after a few single retries the owners of the rest are read.
    const z = recs(300, 50).flatMap((r, i) => (i % 5 === 0 ? [r, x[i]!] : [r]));
    const xs = new Set(x);
    expect(await claims.session(owner('z$z$z$z$z')).claim(z)).toEqual(z.map((r) => !xs.has(r)));
    // x again (a retry, another session): its own Ids are still its own, new ones are claimed.
    const again = [...recs(400, 5), ...x];
    expect(await claims.session(owner('x$x$x$x$x')).claim(again)).toEqual(Array(55).fill(true));
    const owners = new Map<string, string>();
    for await (const e of t.pipeline.rt.clients.eventIdTable.listEntities<{ owner: string }>()) {
      owners.set(e.rowKey!, e.owner);
    }
    expect(owners.size).toBe(50 + 59 + 50 + 5);
    for (const r of x) expect(owners.get(String(r.Id))).toBe('x$x$x$x$x');
  });

  it('a blob that fails for good releases its claims, so the other copy of its Ids is written', async () => {
    const t = await setup();
    const a = t.message('a4'),
      b = t.message('b4');
    // All in one hour partition (its start + 1 min), so claims go out 100 at a time as it fills.
    const base = Math.floor((t.now - 5 * HOUR) / HOUR) * HOUR + 60_000;
    const aRecs = Array.from({ length: 260 }, (_, i) => record(i, base + i * 1000));
    // The body breaks after 230 records: two full claim transactions (200 Ids) are sent by then.
    t.serve(a, aRecs, 230);
    await expect(t.process(a, 1)).rejects.toThrow(/connection reset/);
    // Not the last attempt: the claims stay (the retry owns them and writes them).
    const bRecs = aRecs.slice(0, 120);
    t.serve(b, bRecs);
    expect(await t.process(b)).toMatchObject({
      status: 'done',
      counts: { written: 0, crossBlobDuplicates: 120 },
    });
    await expect(t.process(a, 5)).rejects.toThrow(/connection reset/);
    expect(
      await t.pipeline.rt.ledger.get(t.tenant, a.contentType, a.contentId, a.contentCreated),
    ).toMatchObject({
      state: 'failed',
    });
    expect(t.pipeline.logs.lines.some((l) => l.includes('event_ids.released'))).toBe(true);
    // b is replayed (or a later blob carries the same Ids): now it writes them.
    await t.resetLedger(b);
    expect(await t.process(b)).toMatchObject({
      status: 'done',
      counts: { written: 120, crossBlobDuplicates: 0 },
    });
    expect(await t.ids(b)).toEqual(bRecs.map((r) => r.Id));
  });

  it('records without an Id or a parseable CreationTime are never skipped as cross-blob duplicates', async () => {
    const t = await setup();
    const a = t.message('a5'),
      b = t.message('b5');
    const base = t.now - 2 * HOUR;
    const odd = [
      { ...record(1, base), Id: undefined },
      { ...record(2, base), Id: '   ' },
      { ...record(3, base), CreationTime: 'yesterday' },
      { ...record(4, base), CreationTime: undefined },
    ];
    t.serve(a, [...odd, record(10, base)]);
    t.serve(b, [...odd, record(10, base)]);
    expect(await t.process(a)).toMatchObject({ counts: { written: 5 } });
    expect(await t.process(b)).toMatchObject({ counts: { written: 4, crossBlobDuplicates: 1 } });
  });

  it('cleanup deletes claims older than the retention in bounded batches, only for this tenant', async () => {
    const t = await setup();
    const claims = t.pipeline.rt.claims;
    const now = new Date(t.now);
    const old = t.now - CLAIM_RETENTION_MS - 2 * HOUR;
    const other = '11111111-2222-3333-4444-555555555555';
    const owner = (tenantId: string) => ({
      tenantId,
      contentId: 'c$c$x$y$z',
      contentCreated: now.toISOString(),
    });
    const oldRecs = Array.from({ length: 7 }, (_, i) => record(i, old + (i % 2) * HOUR));
    const recent = Array.from({ length: 4 }, (_, i) => record(100 + i, t.now - CLAIM_RETENTION_MS + HOUR));
    expect(await claims.session(owner(t.tenant)).claim([...oldRecs, ...recent])).toEqual(
      Array(11).fill(true),
    );
    await claims.session(owner(other)).claim(oldRecs);
    expect(await claims.cleanup(t.tenant, now, 3)).toBe(3);
    expect(await claims.cleanup(t.tenant, now, 100)).toBe(4);
    expect(await claims.cleanup(t.tenant, now, 100)).toBe(0);
    // The recent claims (this tenant) and the other tenant's old ones are still held.
    const rows = t.pipeline.rt.clients.eventIdTable.listEntities<{ partitionKey: string }>();
    const left: string[] = [];
    for await (const r of rows) left.push(r.partitionKey);
    expect(left.filter((k) => k.startsWith(t.tenant))).toHaveLength(4);
    expect(left.filter((k) => k.startsWith(other))).toHaveLength(7);
    expect(claimPartition(t.tenant, '2026-11-20T10:59:59.999Z')).toBe(`${t.tenant}_2026112010`);
  });

  it('the enumerator runs the cleanup, and a cleanup failure does not fail the run', async () => {
    const t = await setup();
    const rt = t.pipeline.rt;
    const old = t.now - CLAIM_RETENTION_MS - HOUR;
    await rt.claims
      .session({ tenantId: t.tenant, contentId: 'c$c$x$y$z', contentCreated: new Date(old).toISOString() })
      .claim([record(1, old), record(2, old)]);
    const deps = {
      api: rt.api,
      checkpoints: rt.checkpoints,
      ledger: rt.ledger,
      queue: rt.queue,
      clock: rt.clock,
      logger: rt.logger,
      settings: { ...enumeratorSettings(rt.config), contentTypes: ['Audit.Exchange' as const] },
    };
    const broken = await runEnumeration({
      ...deps,
      claims: { ...rt.claims, cleanup: () => Promise.reject(new Error('table unavailable')) },
    });
    expect(broken.ok).toBe(true);
    expect(broken.eventIdsCleaned).toBe(0);
    expect(t.pipeline.logs.lines.some((l) => l.includes('event_ids.cleanup_failed'))).toBe(true);
    // Another content type (a first run): the listing is not what this test is about.
    const fine = await runEnumeration({
      ...deps,
      settings: { ...deps.settings, contentTypes: ['Audit.SharePoint'] },
      claims: rt.claims,
    });
    expect(fine.ok).toBe(true);
    expect(fine.eventIdsCleaned).toBe(2);
  });
});
