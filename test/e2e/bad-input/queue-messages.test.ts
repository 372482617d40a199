/**
 * Bad queue messages next to good ones, through the queue driver and the real processor on Azurite:
 * each bad one is refused with a clear reason (rejected-messages record or poison queue), nothing
 * hangs, no token leaves for a forged host, and the good messages of the same batch are processed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMessage } from '../../../shared/enumerator/enqueue.js';
import { outputBlobName } from '../../../shared/storage/names.js';
import type { ContentMessage } from '../../../shared/storage/types.js';
import { startTestPipeline, type TestPipeline } from '../../helpers/pipeline.js';
import { b64, drainQueue, leaksIn, startTrap, type Trap } from './helpers.js';

let p: TestPipeline;
let trap: Trap;
beforeAll(async () => {
  trap = await startTrap();
  p = await startTestPipeline(
    { seed: 11, hours: 2, eventsPerHour: 40 },
    {
      AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '2',
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:00',
      O365_CONTENT_TYPES: 'Audit.Exchange',
    },
  );
});
afterAll(async () => {
  await p?.close();
  await trap?.close();
});

describe('bad queue messages', () => {
  it('are refused one by one while the good messages of the same batch are processed', async () => {
    const tenantId = p.sim.tenants[0]!.tenantId;
    const blobs = p.sim.blobs(tenantId, 'Audit.Exchange').slice(0, 3);
    expect(blobs.length).toBe(3);
    const good = blobs.map((b) => toMessage(tenantId, b, new Date()));
    const g = good[0]!;
    const json = (m: unknown) => b64(JSON.stringify(m));
    const withUri = (contentUri: string): ContentMessage => ({ ...g, contentUri });
    const apiHost = new URL(p.sim.apiRoot);
    const bad: Array<[string, string]> = [
      ['empty', ''],
      ['not base64', 'this is {not} base64!'],
      ['base64 of text', b64('hello')],
      ['base64 of invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0xc3]).toString('base64')],
      ['JSON null', b64('null')],
      ['JSON array', json([g])],
      ['JSON number', b64('42')],
      ['missing fields', json({ v: 1, tenantId })],
      ['wrong version', json({ ...g, v: 2 })],
      ['wrong types', json({ ...g, contentId: 7, contentCreated: true })],
      ['unknown content type', json({ ...g, contentType: 'Audit.Everything' })],
      ['extra field', json({ ...g, admin: true })],
      ['oversized', json({ ...g, contentId: 'x'.repeat(40_000) })],
      ['forged tenant', json({ ...g, tenantId: '11111111-2222-3333-4444-555555555555' })],
      [
        'forged host',
        json(withUri(`${trap.origin}/api/v1.0/${tenantId}/activity/feed/audit/${g.contentId}`)),
      ],
      [
        'userinfo trick',
        json(
          withUri(
            `https://${apiHost.host}@${trap.origin.slice(8)}/api/v1.0/${tenantId}/activity/feed/audit/${g.contentId}`,
          ),
        ),
      ],
      ['http downgrade', json(withUri(g.contentUri.replace('https:', 'http:')))],
      [
        'path traversal',
        json(withUri(`${p.sim.apiRoot}/api/v1.0/${tenantId}/activity/feed/audit/../../../../${g.contentId}`)),
      ],
      [
        'encoded traversal',
        json(
          withUri(
            `${p.sim.apiRoot}/api/v1.0/${tenantId}/activity/feed/audit/%2e%2e%2f%2e%2e%2f${encodeURIComponent(g.contentId)}`,
          ),
        ),
      ],
      ['uri names other content', json({ ...good[1]!, contentUri: g.contentUri })],
      [
        'other tenant path',
        json(withUri(g.contentUri.replace(tenantId, '11111111-2222-3333-4444-555555555555'))),
      ],
      ['contentCreated not a date', json({ ...g, contentCreated: 'yesterday' })],
    ];
    const queue = p.rt.clients.queue;
    // Good and bad interleaved, so one batch of the driver holds both.
    await queue.sendMessage(json(good[0]));
    for (const [, text] of bad.slice(0, 10)) await queue.sendMessage(text);
    await queue.sendMessage(json(good[1]));
    for (const [, text] of bad.slice(10)) await queue.sendMessage(text);
    await queue.sendMessage(json(good[2]));

    const results = await drainQueue(p.rt);

    // The good ones: done, each with its deterministic blob, and every event of the three written
    // exactly once among them (an Id the API delivered in two of them is written by its owner only).
    const outputs = await p.outputs();
    const written: string[] = [];
    for (const b of blobs) {
      const row = await p.rt.ledger.get(tenantId, b.contentType, b.contentId, b.contentCreated);
      expect(row?.state, b.contentId).toBe('done');
      const events = outputs.get(outputBlobName(tenantId, b.contentType, b.contentId, b.contentCreated));
      expect(events, b.contentId).toBeDefined();
      written.push(...events!.map((e) => String(e.id)));
    }
    expect(outputs.size).toBe(3);
    expect(written.slice().sort()).toEqual([...new Set(blobs.flatMap((b) => b.eventIds))].sort());
    // The bad ones: each has a reason on record or sits in the poison queue; none retried forever.
    const rejected = await p.rt.ledger.rejectedMessages(100);
    const poison = (await p.rt.clients.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    expect(
      rejected.every((r) => r.reason.length > 10),
      JSON.stringify(rejected),
    ).toBe(true);
    expect(rejected.length + poison.length).toBe(bad.length);
    expect(results.filter((r) => r.dequeueCount > 2)).toEqual([]);
    expect((await p.rt.clients.queue.getProperties()).approximateMessagesCount).toBe(0);
    for (const reason of rejected.map((r) => r.reason)) expect(reason).not.toMatch(/\[object Object\]/);
    // Forged hosts never got a connection, let alone a token.
    expect(trap.connections()).toBe(0);
    expect(p.sim.requestLog.filter((e) => e.kind === 'blob').length).toBe(3);
    expect(leaksIn(p.logs.lines, p.sim.tenants[0]!)).toEqual([]);
  });
});
