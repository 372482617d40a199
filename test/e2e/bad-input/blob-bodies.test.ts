/**
 * Bad content blob bodies, each in its own message next to a good blob, through the queue driver
 * and the real processor on Azurite. The body bytes are served by an in-process stand-in for the
 * API's blob GET (the rest of the client is real); truncated and malformed bodies over HTTPS are
 * covered by the chaos suite. Each bad body ends settled with a reason, never hangs or crashes, and
 * never stops the good blob.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagementApi } from '../../../shared/api/types.js';
import { toMessage } from '../../../shared/enumerator/enqueue.js';
import type { Runtime } from '../../../shared/runtime.js';
import { outputBlobName } from '../../../shared/storage/names.js';
import { startTestPipeline, type TestPipeline } from '../../helpers/pipeline.js';
import { b64, drainQueue, leaksIn } from './helpers.js';

let p: TestPipeline;
beforeAll(async () => {
  p = await startTestPipeline(
    { seed: 12, hours: 2, eventsPerHour: 40 },
    {
      AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '2',
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:00',
    },
  );
});
afterAll(async () => {
  await p?.close();
});

const deep = (n: number) => `[${'{"a":'.repeat(n)}1${'}'.repeat(n)}]`;
const record = (id: string, extra: Record<string, unknown> = {}) => ({
  Id: id,
  CreationTime: '2026-11-20T10:00:00',
  Operation: 'FileAccessed',
  RecordType: 6,
  Workload: 'SharePoint',
  UserId: 'a@b.c',
  ...extra,
});

/** Body → expected settled state ('done' = events written, possibly with error flags). */
const BODIES: Record<string, { body: Buffer; state: 'done' | 'failed'; ids?: string[] }> = {
  'not-an-array': { body: Buffer.from('{"Id":"x"}'), state: 'failed' },
  'a-string': { body: Buffer.from('"hello"'), state: 'failed' },
  empty: { body: Buffer.alloc(0), state: 'failed' },
  'empty-array': { body: Buffer.from('[]'), state: 'done', ids: [] },
  'nested-garbage': {
    body: Buffer.from(JSON.stringify([1, 'x', null, [1, [2]], true, record('garbage-ok-1')])),
    state: 'done',
    ids: ['garbage-ok-1'],
  },
  'huge-string': {
    body: Buffer.from(JSON.stringify([record('huge-1', { ObjectId: 'z'.repeat(3_000_000) })])),
    state: 'done',
    ids: ['huge-1'],
  },
  'deep-nesting': { body: Buffer.from(deep(5000)), state: 'failed' },
  'invalid-utf8': {
    body: Buffer.concat([
      Buffer.from('[{"Id":"u-1","UserId":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}]'),
    ]),
    state: 'failed',
  },
  'missing-every-field': {
    body: Buffer.from(JSON.stringify([{}, { Id: null }, { Id: 'only-id' }])),
    state: 'done',
  },
  'wrong-types': {
    body: Buffer.from(
      JSON.stringify([
        record('types-1', { CreationTime: 12, RecordType: 'abc', UserId: { x: 1 }, ClientIP: [1] }),
      ]),
    ),
    state: 'done',
    ids: ['types-1'],
  },
  'trailing-garbage': { body: Buffer.from('[{"Id":"t-1"}] trailing'), state: 'failed' },
};

describe('bad blob bodies', () => {
  it('each settles with a reason; the good blob next to them is collected', async () => {
    const tenantId = p.sim.tenants[0]!.tenantId;
    const good = p.sim.blobs(tenantId, 'Audit.SharePoint')[0]!;
    const uriOf = (id: string) =>
      `${p.sim.apiRoot}/api/v1.0/${tenantId}/activity/feed/audit/${encodeURIComponent(id)}`;
    const api: ManagementApi = Object.assign(Object.create(p.rt.api) as ManagementApi, {
      fetchContent: (uri: string, signal?: AbortSignal) => {
        const id = decodeURIComponent(new URL(uri).pathname.split('/').at(-1) ?? '');
        const bad = BODIES[id.replace(/^bad-/, '')];
        if (!bad) return p.rt.api.fetchContent(uri, signal);
        // Small chunks, so multi-byte sequences and tokens straddle chunk borders.
        const chunks: Buffer[] = [];
        for (let i = 0; i < bad.body.length; i += 7919) chunks.push(bad.body.subarray(i, i + 7919));
        return Promise.resolve({ stream: Readable.from(chunks), contentLength: bad.body.length });
      },
    });
    const rt: Runtime = { ...p.rt, api };
    const created = new Date(Date.now() - 3_600_000).toISOString();
    const messages = Object.keys(BODIES).map((k) =>
      toMessage(
        tenantId,
        {
          contentType: 'Audit.SharePoint',
          contentId: `bad-${k}`,
          contentUri: uriOf(`bad-${k}`),
          contentCreated: created,
          contentExpiration: new Date(Date.now() + 86_400_000).toISOString(),
        },
        new Date(),
      ),
    );
    messages.splice(4, 0, toMessage(tenantId, good, new Date()));
    for (const m of messages) await rt.clients.queue.sendMessage(b64(JSON.stringify(m)));

    await drainQueue(rt, 90_000);

    const outputs = await p.outputs();
    const goodIds = new Set(
      outputs
        .get(outputBlobName(tenantId, good.contentType, good.contentId, good.contentCreated))
        ?.map((e) => e.id),
    );
    for (const id of good.eventIds) expect(goodIds.has(id), id).toBe(true);
    for (const [k, want] of Object.entries(BODIES)) {
      const row = await rt.ledger.get(tenantId, 'Audit.SharePoint', `bad-${k}`, created);
      expect(row?.state, `${k}: ${row?.lastError}`).toBe(want.state);
      if (want.state === 'failed') expect(row?.lastError, k).toMatch(/[Mm]alformed|JSON|UTF-8|depth|array/);
      const events = outputs.get(outputBlobName(tenantId, 'Audit.SharePoint', `bad-${k}`, created));
      if (want.state === 'failed') expect(events, `${k} must not leave a partial blob`).toBeUndefined();
      else {
        expect(events, k).toBeDefined();
        for (const id of want.ids ?? [])
          expect(
            events!.map((e) => e.id),
            k,
          ).toContain(id);
        // Nothing dropped silently: every top-level element became a line (garbage flagged).
        if (k === 'nested-garbage') expect(events!.filter((e) => e.errors !== undefined).length).toBe(5);
        if (k === 'missing-every-field') expect(events!).toHaveLength(3);
      }
    }
    expect((await rt.clients.queue.getProperties()).approximateMessagesCount).toBe(0);
    expect(leaksIn(p.logs.lines, p.sim.tenants[0]!)).toEqual([]);
  });
});
