/**
 * POST /api/notifications (the Management API webhook) through the function handler, on Azurite and
 * the simulator's content: the validation handshake, Webhook-AuthID, enqueue through the ledger
 * path, duplicates, the enumerator finding the same content later, and forged items refused.
 */
import type { HttpResponseInit, Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContentType } from '../../../shared/content-types.js';
import { makeEnumerateHandler } from '../../../functions/enumerate-content.js';
import { makeNotificationsHandler } from '../../../functions/notifications.js';
import { startSimulator, type BlobTruth, type RunningSimulator } from '../../../tools/simulator/index.js';
import { context, drainQueue, request, simEnv, simRuntime } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read loosely typed JSON bodies
type Body = any;
const body = (r: HttpResponseInit): Body => r.jsonBody;
const AUTH_ID = 'hook-auth-3c9f1a';
const HOUR = 3_600_000;

function notification(b: BlobTruth, clientId: string) {
  return {
    tenantId: b.tenantId,
    clientId,
    contentType: b.contentType,
    contentId: b.contentId,
    contentUri: b.contentUri,
    contentCreated: b.contentCreated,
    contentExpiration: b.contentExpiration,
  };
}

describe('webhook notifications', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, hours: 4, eventsPerHour: 60 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const setup = async (extra: Record<string, string> = { O365_WEBHOOK_AUTH_ID: AUTH_ID }) => {
    const rt = await simRuntime(sim, simEnv(sim, extra));
    const handler = makeNotificationsHandler(() => rt);
    const post = (text: string, headers: Record<string, string> = { 'Webhook-AuthID': AUTH_ID }) =>
      handler(
        request({
          method: 'POST',
          route: 'notifications',
          body: text,
          headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
        }),
        context('notifications').ctx,
      );
    return { rt, post };
  };
  const tenant = () => sim.tenants[0]!;
  const recent = (ct: ContentType, n: number) =>
    sim
      .blobs(tenant().tenantId, ct, new Date(Date.now() - 3 * HOUR), new Date(Date.now() - HOUR))
      .slice(0, n);

  it('answers the validation handshake by echoing the code', async () => {
    const { post } = await setup();
    const r = await post(JSON.stringify({ validationCode: 'a1b2c3-opaque' }), {
      'Webhook-AuthID': AUTH_ID,
      'Webhook-ValidationCode': 'a1b2c3-opaque',
    });
    expect(r.status).toBe(200);
    expect(body(r)).toEqual({ validationCode: 'a1b2c3-opaque' });

    // Without O365_WEBHOOK_AUTH_ID no header is needed.
    const open = await setup({});
    const r2 = await open.post(JSON.stringify({ validationCode: 'xyz' }), {});
    expect(r2.status).toBe(200);
    expect(body(r2)).toEqual({ validationCode: 'xyz' });
  });

  it('refuses a missing or wrong Webhook-AuthID with 401 and enqueues nothing', async () => {
    const { rt, post } = await setup();
    const batch = JSON.stringify(recent('Audit.Exchange', 2).map((b) => notification(b, tenant().clientId)));
    const variants: Array<Record<string, string>> = [
      {},
      { 'Webhook-AuthID': 'wrong' },
      { 'Webhook-AuthID': `${AUTH_ID}x` },
      { 'Webhook-AuthID': AUTH_ID.slice(0, -1) },
      { 'Webhook-AuthID': '' },
    ];
    for (const headers of variants) {
      const r = await post(batch, headers);
      expect({ headers, status: r.status }).toEqual({ headers, status: 401 });
      expect(body(r).error).toBe('Webhook-AuthID missing or wrong');
    }
    const handshake = await post(JSON.stringify({ validationCode: 'c' }), {});
    expect(handshake.status).toBe(401);
    expect(await drainQueue(rt)).toEqual([]);
  });

  it('a valid notification array enqueues each blob once, in the documented message format, through the ledger', async () => {
    const { rt, post } = await setup();
    const blobs = [...recent('Audit.Exchange', 2), ...recent('DLP.All', 1)];
    expect(blobs.length).toBe(3);
    const r = await post(JSON.stringify(blobs.map((b) => notification(b, tenant().clientId))));
    expect(r.status).toBe(200);
    expect(body(r)).toEqual({ received: 3, enqueued: 3, alreadyKnown: 0, refused: [] });

    const messages = await drainQueue(rt);
    expect(messages.map((m) => m.contentId).sort()).toEqual(blobs.map((b) => b.contentId).sort());
    for (const m of messages) {
      const b = blobs.find((x) => x.contentId === m.contentId)!;
      expect(Object.keys(m).sort()).toEqual(
        [
          'v',
          'tenantId',
          'contentType',
          'contentId',
          'contentUri',
          'contentCreated',
          'contentExpiration',
          'listedAt',
        ].sort(),
      );
      expect(m).toMatchObject({
        v: 1,
        tenantId: tenant().tenantId,
        contentType: b.contentType,
        contentUri: b.contentUri,
        contentCreated: b.contentCreated,
        contentExpiration: b.contentExpiration,
      });
      expect(Number.isNaN(Date.parse(m.listedAt))).toBe(false);
    }
    for (const ct of ['Audit.Exchange', 'DLP.All'] as const) {
      const mine = blobs.filter((b) => b.contentType === ct);
      const known = await rt.ledger.known(tenant().tenantId, ct, mine);
      expect([...known].sort()).toEqual(mine.map((b) => b.contentId).sort());
    }
  });

  it('a duplicate notification (repeated in a batch and redelivered) yields exactly one queue message', async () => {
    const { rt, post } = await setup();
    const [b] = recent('Audit.SharePoint', 1);
    const n = notification(b!, tenant().clientId);
    const first = await post(JSON.stringify([n, n]));
    expect(first.status).toBe(200);
    expect(body(first)).toMatchObject({ received: 2, enqueued: 1 });
    const again = await post(JSON.stringify([n]));
    expect(again.status).toBe(200);
    expect(body(again)).toMatchObject({ received: 1, enqueued: 0, alreadyKnown: 1 });
    const messages = await drainQueue(rt);
    expect(messages.map((m) => m.contentId)).toEqual([b!.contentId]);
  });

  it('content notified first is not enqueued again when the enumerator lists it', async () => {
    const { rt, post } = await setup();
    const notified = [...recent('Audit.General', 2), ...recent('Audit.AzureActiveDirectory', 1)];
    const r = await post(JSON.stringify(notified.map((b) => notification(b, tenant().clientId))));
    expect(body(r)).toMatchObject({ enqueued: 3 });
    const fromWebhook = await drainQueue(rt);
    expect(fromWebhook).toHaveLength(3);

    const now = new Date();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: now.toISOString(), next: now.toISOString(), lastUpdated: now.toISOString() },
    };
    const summary = await makeEnumerateHandler(() => rt)(timer, context('enumerateContent').ctx);
    expect(summary.ok).toBe(true);
    const polled = (await drainQueue(rt)).map((m) => m.contentId);
    expect(polled.length).toBeGreaterThan(0);
    for (const b of notified) expect(polled).not.toContain(b.contentId);
    // Everything else the tenant lists in the polled range was enqueued, once.
    expect(new Set(polled).size).toBe(polled.length);
    const general = sim
      .blobs(
        tenant().tenantId,
        'Audit.General',
        new Date(now.getTime() - 8 * HOUR),
        new Date(now.getTime() - HOUR),
      )
      .map((b) => b.contentId);
    for (const id of general) if (!notified.some((b) => b.contentId === id)) expect(polled).toContain(id);
  });

  it('refuses forged items (other host, other tenant, http) without enqueuing them; the rest of the batch is enqueued', async () => {
    const { rt, post } = await setup();
    const [good1, good2] = recent('Audit.Exchange', 2);
    const t = tenant().tenantId;
    const forgedHost = {
      ...notification(good1!, tenant().clientId),
      contentId: 'forged-host',
      contentUri: good1!.contentUri.replace(sim.apiRoot, 'https://attacker.example.com'),
    };
    const forgedScheme = {
      ...notification(good1!, tenant().clientId),
      contentId: 'forged-scheme',
      contentUri: good1!.contentUri.replace('https://', 'http://'),
    };
    const otherTenant = {
      ...notification(good1!, tenant().clientId),
      contentId: 'other-tenant',
      tenantId: '00000000-1111-2222-3333-444444444444',
    };
    const otherTenantPath = {
      ...notification(good1!, tenant().clientId),
      contentId: 'other-tenant-path',
      contentUri: good1!.contentUri.replace(t, '00000000-1111-2222-3333-444444444444'),
    };
    const batch = [
      notification(good1!, tenant().clientId),
      forgedHost,
      forgedScheme,
      otherTenant,
      otherTenantPath,
      notification(good2!, tenant().clientId),
    ];
    const r = await post(JSON.stringify(batch));
    expect(r.status).toBe(200);
    const b = body(r);
    expect(b).toMatchObject({ received: 6, enqueued: 2, alreadyKnown: 0 });
    expect((b.refused as Array<{ contentId: string }>).map((x) => x.contentId).sort()).toEqual(
      ['forged-host', 'forged-scheme', 'other-tenant', 'other-tenant-path'].sort(),
    );
    for (const x of b.refused as Array<{ reason: string }>) expect(x.reason.length).toBeGreaterThan(0);
    const messages = await drainQueue(rt);
    expect(messages.map((m) => m.contentId).sort()).toEqual([good1!.contentId, good2!.contentId].sort());
    const known = await rt.ledger.known(t, 'Audit.Exchange', [
      forgedHost,
      forgedScheme,
      otherTenant,
      otherTenantPath,
    ]);
    expect(known.size).toBe(0);
    // No request went to the API for the forged items (the webhook never fetches).
    expect(
      sim.requestLog.filter((e) => e.contentId?.startsWith('forged') || e.contentId?.startsWith('other')),
    ).toEqual([]);
  });

  it('answers 400 with a reason for bodies that are neither a handshake nor a notification array', async () => {
    const { rt, post } = await setup();
    const [good] = recent('Audit.Exchange', 1);
    const cases: Array<[string, RegExp]> = [
      ['not json', /body is not JSON/],
      ['{}', /not a notification array/],
      ['[]', /not a notification array/],
      [JSON.stringify([{ ...notification(good!, 'c'), contentType: 'Audit.Nope' }]), /0\.contentType/],
      [
        JSON.stringify([{ ...notification(good!, 'c'), contentCreated: 'yesterday' }]),
        /0\.contentCreated: is not a date/,
      ],
      [JSON.stringify([{ ...notification(good!, 'c'), contentId: '' }]), /0\.contentId/],
    ];
    for (const [text, reason] of cases) {
      const r = await post(text);
      expect({ text, status: r.status }).toEqual({ text, status: 400 });
      expect(body(r).error).toMatch(reason);
    }
    expect(await drainQueue(rt)).toEqual([]);
  });
});
