/**
 * The queue function end to end: simulator over HTTPS (real msal-node), real Azurite, the handler
 * the Functions host calls.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createManagementApiFromConfig } from '../../shared/api/client.js';
import type { ContentItem, ManagementApi } from '../../shared/api/types.js';
import { FrozenClock } from '../../shared/clock.js';
import { CONTENT_TYPES } from '../../shared/content-types.js';
import { toMessage } from '../../shared/enumerator/enqueue.js';
import { outputBlobName } from '../../shared/storage/names.js';
import { makeProcessHandler } from '../../functions/process-content.js';
import type { BlobTruth } from '../../tools/simulator/types.js';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.js';

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

function messageFor(pipeline: TestPipeline, b: BlobTruth) {
  const item: ContentItem = {
    contentType: b.contentType,
    contentId: b.contentId,
    contentUri: b.contentUri,
    contentCreated: b.contentCreated,
    contentExpiration: b.contentExpiration,
  };
  return toMessage(pipeline.rt.config.tenantId, item, new Date('2026-11-20T00:00:00Z'));
}

/** Every string planted as a DLP detected value in a blob's records. */
function detectedValues(records: unknown[]): string[] {
  const found: string[] = [];
  const walk = (v: unknown, inDetected: boolean) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, inDetected));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, inDetected || k === 'DetectedValues');
    } else if (inDetected && typeof v === 'string' && v.length >= 6) found.push(v);
  };
  walk(records, false);
  return found;
}

describe('processContent (queue function)', () => {
  it('writes every event of every blob exactly once, under the deterministic name, with DLP findings masked', async () => {
    p = await startTestPipeline();
    const handler = makeProcessHandler(() => p!.rt);
    const tenant = p.rt.config.tenantId;
    const blobs = CONTENT_TYPES.flatMap((ct) => p!.sim.blobs(tenant, ct).slice(0, 3));
    expect(blobs.length).toBe(15);
    for (const b of blobs) {
      const outcome = await handler(messageFor(p, b), p.context());
      expect(outcome.status, b.contentId).toBe('done');
    }
    const outputs = await p.outputs();
    const allText = JSON.stringify([...outputs.values()]);
    let dlpValues = 0;
    const written = new Map<string, number>();
    for (const b of blobs) {
      const name = outputBlobName(tenant, b.contentType, b.contentId, b.contentCreated);
      const events = outputs.get(name);
      expect(events, name).toBeDefined();
      for (const e of events!) {
        expect(e).toMatchObject({
          schemaVersion: 1,
          tenantId: tenant,
          contentType: b.contentType,
          contentId: b.contentId,
        });
        if (e.parentId === null) written.set(e.id as string, (written.get(e.id as string) ?? 0) + 1);
      }
      const values = detectedValues(p.sim.blobRecords(tenant, b.contentId) ?? []);
      dlpValues += values.length;
      for (const v of values) expect(allText.includes(v), `detected value leaked: ${v}`).toBe(false);
    }
    // The API repeats some records in a neighbouring blob; each Id is written once across all blobs.
    const expected = new Set(blobs.flatMap((b) => b.eventIds));
    expect(new Set(written.keys())).toEqual(expected);
    expect([...written.values()].every((n) => n === 1)).toBe(true);
    expect(dlpValues).toBeGreaterThan(0);
    // Ledger: done with counts and the blob path.
    const b0 = blobs[0]!;
    const row = await p.rt.ledger.get(tenant, b0.contentType, b0.contentId, b0.contentCreated);
    expect(row).toMatchObject({
      state: 'done',
      blobPath: outputBlobName(tenant, b0.contentType, b0.contentId, b0.contentCreated),
      events: b0.recordCount,
    });
  });

  it('reprocessing the same content produces a byte-identical blob; a settled blob is not fetched again', async () => {
    p = await startTestPipeline();
    const handler = makeProcessHandler(() => p!.rt);
    const b = p.sim.blobs(p.rt.config.tenantId, 'DLP.All')[0]!;
    const name = outputBlobName(p.rt.config.tenantId, b.contentType, b.contentId, b.contentCreated);
    await handler(messageFor(p, b), p.context());
    const first = await p.rt.clients.container.getBlobClient(name).downloadToBuffer();
    const fetches = () =>
      p!.sim.requestLog.filter((r) => r.kind === 'blob' && r.contentId === b.contentId).length;
    expect(fetches()).toBe(1);
    // A duplicate message for settled content: acknowledged without fetching.
    expect((await handler(messageFor(p, b), p.context())).status).toBe('skipped');
    expect(fetches()).toBe(1);
    // Force a reprocess (an operator reset): same bytes.
    await p.rt.ledger.recordOutcome({ ...messageFor(p, b), state: 'enqueued' });
    expect((await handler(messageFor(p, b), p.context())).status).toBe('done');
    const second = await p.rt.clients.container.getBlobClient(name).downloadToBuffer();
    expect(second.equals(first)).toBe(true);
    const props = await p.rt.clients.container.getBlobClient(name).getProperties();
    expect(props).toMatchObject({ contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
    expect(props.metadata).toMatchObject({ contentcreated: b.contentCreated, schemaversion: '1' });
  });

  it('refuses forged and malformed messages before any request, records them, and sends no token anywhere', async () => {
    p = await startTestPipeline();
    const handler = makeProcessHandler(() => p!.rt);
    const seenElsewhere: Array<string | undefined> = [];
    const other = createServer((req, res) => {
      seenElsewhere.push(req.headers.authorization);
      res.end('[]');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as AddressInfo).port;
    try {
      const b = p.sim.blobs(p.rt.config.tenantId, 'Audit.Exchange')[0]!;
      const good = messageFor(p, b);
      const tenant = p.rt.config.tenantId;
      const root = new URL(p.sim.apiRoot);
      const forged: unknown[] = [
        {
          ...good,
          contentUri: `http://127.0.0.1:${otherPort}/api/v1.0/${tenant}/activity/feed/audit/${b.contentId}`,
        },
        {
          ...good,
          contentUri: `https://127.0.0.1:${otherPort}/api/v1.0/${tenant}/activity/feed/audit/${b.contentId}`,
        },
        {
          ...good,
          contentUri: `${root.origin}/api/v1.0/00000000-0000-0000-0000-000000000000/activity/feed/audit/${b.contentId}`,
        },
        { ...good, contentUri: `${root.origin}/api/v1.0/${tenant}/activity/feed/audit/../../../x` },
        { ...good, contentUri: `${root.origin}/api/v1.0/${tenant}/activity/feed/audit/other-content-id` },
        { ...good, tenantId: '00000000-0000-0000-0000-000000000000' },
        'not json at all',
        '',
        { ...good, v: 2 },
        [good],
      ];
      const before = p.sim.requestLog.length;
      for (const payload of forged) {
        const outcome = await handler(payload, p.context());
        expect(outcome.status).toBe('rejected');
      }
      expect(p.sim.requestLog.length).toBe(before);
      expect(seenElsewhere).toEqual([]);
      expect((await p.rt.ledger.rejectedMessages(100)).length).toBe(forged.length);
      expect(p.contextLines.filter((l) => l.includes('"event":"message.rejected"'))).toHaveLength(
        forged.length,
      );
      // The good one right after is processed normally.
      expect((await handler(good, p.context())).status).toBe('done');
    } finally {
      other.close();
    }
  });

  it('a truncated body is retried (thrown) and, on the last attempt, recorded as failed with the reason; no partial blob', async () => {
    p = await startTestPipeline({ faults: { truncatedBody: 1, kinds: ['blob'] } });
    const handler = makeProcessHandler(() => p!.rt);
    const b = p.sim.blobs(p.rt.config.tenantId, 'Audit.SharePoint')[0]!;
    await expect(handler(messageFor(p, b), p.context(1))).rejects.toThrow();
    const mid = await p.rt.ledger.get(p.rt.config.tenantId, b.contentType, b.contentId, b.contentCreated);
    expect(mid).toMatchObject({ state: 'enqueued', attempts: 1 });
    await expect(handler(messageFor(p, b), p.context(5))).rejects.toThrow();
    const last = await p.rt.ledger.get(p.rt.config.tenantId, b.contentType, b.contentId, b.contentCreated);
    expect(last?.state).toBe('failed');
    expect(last?.lastError).toMatch(/attempt 5 of 5/);
    const name = outputBlobName(p.rt.config.tenantId, b.contentType, b.contentId, b.contentCreated);
    expect(await p.rt.clients.container.getBlobClient(name).exists()).toBe(false);
    // The API recovers: the replayed message succeeds.
    p.sim.setFaults({});
    expect((await handler(messageFor(p, b), p.context(1))).status).toBe('done');
  });

  it('a redirect on a blob fetch leaves the content to be retried (not failed) and alerts the operator', async () => {
    p = await startTestPipeline({ faults: { redirect: 1, kinds: ['blob'] } });
    const rt = p.rt;
    const api = createManagementApiFromConfig(rt.config, {
      extraCaPem: p.sim.caPem,
      logger: p.logs,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });
    const handler = makeProcessHandler(() => ({ ...rt, api }));
    const b = p.sim.blobs(rt.config.tenantId, 'Audit.Exchange')[0]!;
    await expect(handler(messageFor(p, b), p.context(1))).rejects.toMatchObject({ retryable: true });
    const row = await rt.ledger.get(rt.config.tenantId, b.contentType, b.contentId, b.contentCreated);
    expect(row?.state).toBe('enqueued');
    expect(p.logs.records.some((r) => r.event === 'api.redirect_refused' && r.level === 'error')).toBe(true);
    p.sim.setFaults({});
    expect((await handler(messageFor(p, b), p.context(2))).status).toBe('done');
  });

  it('expired (AF20051) and unknown (AF20050) content is recorded and acknowledged, never retried', async () => {
    const clock = new FrozenClock(new Date());
    p = await startTestPipeline({ clock });
    const handler = makeProcessHandler(() => p!.rt);
    const tenant = p.rt.config.tenantId;
    const b = p.sim.blobs(tenant, 'Audit.General')[0]!;
    // The API's clock passes the expiry; the message still claims a future expiration.
    clock.advance(8 * 86_400_000);
    expect(await handler(messageFor(p, b), p.context())).toMatchObject({ status: 'expired' });
    expect(await p.rt.ledger.get(tenant, b.contentType, b.contentId, b.contentCreated)).toMatchObject({
      state: 'expired',
    });
    const unknownId = `${b.contentId.slice(0, -4)}zz99`;
    const unknown = {
      ...messageFor(p, b),
      contentId: unknownId,
      contentUri: b.contentUri.replace(b.contentId, unknownId),
    };
    const outcome = await handler(unknown, p.context());
    expect(outcome.status).toBe('failed');
    expect((await p.rt.ledger.get(tenant, b.contentType, unknownId, b.contentCreated))?.lastError).toMatch(
      /AF20050|does not exist/,
    );
    // Already expired by its own contentExpiration: no request at all.
    const before = p.sim.requestLog.length;
    const stale = {
      ...messageFor(p, p.sim.blobs(tenant, 'Audit.General')[1]!),
      contentExpiration: '2020-01-01T00:00:00.000Z',
    };
    expect((await handler(stale, p.context())).status).toBe('expired');
    expect(p.sim.requestLog.length).toBe(before);
  });

  it('processes a 100 MB blob with bounded memory (streamed parse and upload)', async () => {
    const TARGET = 100 * 1024 * 1024;
    let produced = 0;
    const record = (i: number) =>
      JSON.stringify({
        Id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        CreationTime: '2026-11-20T10:00:00',
        RecordType: 13,
        Operation: 'DlpRuleMatch',
        Workload: 'Exchange',
        UserId: 'alice@contoso.example',
        ClientIP: '10.1.2.3:4455',
        ResultStatus: 'Succeeded',
        PolicyDetails: [
          {
            PolicyName: 'PCI',
            Rules: [
              {
                RuleName: 'cards',
                ConditionsMatched: {
                  SensitiveInformation: [
                    {
                      SensitiveInformationTypeName: 'Credit Card Number',
                      Count: 1,
                      SensitiveInformationDetections: {
                        DetectedValues: [
                          {
                            Name: `4111 1111 1111 ${String(i % 10000).padStart(4, '0')}`,
                            Value: 'card on file',
                          },
                        ],
                      },
                    },
                  ],
                },
              },
            ],
          },
        ],
        Padding: 'x'.repeat(600),
      });
    function* body() {
      yield '[';
      let i = 0;
      while (produced < TARGET) {
        const chunk: string[] = [];
        for (let k = 0; k < 200; k++) chunk.push(record(i++));
        const text = (i > 200 ? ',' : '') + chunk.join(',');
        produced += text.length;
        yield text;
      }
      yield ']';
    }
    p = await startTestPipeline({}, {}, {});
    const tenant = p.rt.config.tenantId;
    const contentId = 'bigblob$bigblob$dlp_all$DLP_All$na0001';
    const contentUri = `${p.sim.apiRoot}/api/v1.0/${tenant}/activity/feed/audit/${contentId}`;
    const api: ManagementApi = {
      ...p.rt.api,
      tenantId: tenant,
      fetchContent: () => Promise.resolve({ stream: Readable.from(body()) }),
    };
    const rt = { ...p.rt, api };
    const handler = makeProcessHandler(() => rt);
    // Live memory = what survives a full collection; garbage awaiting GC says nothing about streaming.
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc').toBeDefined();
    const live = () => {
      gc!();
      const m = process.memoryUsage();
      return m.heapUsed + m.external + m.arrayBuffers;
    };
    const baseline = live();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, live())), 250);
    try {
      const now = Date.now();
      const outcome = await handler(
        {
          v: 1,
          tenantId: tenant,
          contentType: 'DLP.All',
          contentId,
          contentUri,
          contentCreated: new Date(now - 3_600_000).toISOString(),
          contentExpiration: new Date(now + 86_400_000).toISOString(),
          listedAt: new Date(now).toISOString(),
        },
        p.context(),
      );
      expect(outcome.status).toBe('done');
      if (outcome.status === 'done') expect(outcome.counts.written).toBeGreaterThan(80_000);
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - baseline) / 1024 / 1024;
    console.log(`100 MB blob: ${produced} bytes parsed, peak live memory growth ${growthMb.toFixed(1)} MB`);
    // A buffered 100 MB body alone would be ≥ 100 MB, its parsed records several times that.
    expect(growthMb).toBeLessThan(48);
    expect(produced).toBeGreaterThanOrEqual(TARGET);
  }, 300_000);
});
