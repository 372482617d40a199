/** Webhooks: validation POST on /start, notifications listing and delivery to a local HTTPS receiver. */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { createServerTls, type ServerTls } from '../../../tools/simulator/tls.js';
import { apiTime, client, feedPath, type Json } from './helpers.js';

const T0 = new Date('2026-04-04T04:00:00Z');
const HOUR = 3600_000;

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: Json;
}

describe('webhooks', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let receiverTls: ServerTls;
  let receiver: Server;
  let address: string;
  let answer = 200;
  const received: Received[] = [];
  const clock = new FrozenClock(T0);

  beforeAll(async () => {
    receiverTls = createServerTls();
    receiver = createServer({ key: receiverTls.keyPem, cert: receiverTls.certPem }, (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/o365/notifications`;
    sim = await startSimulator({ seed: 8, clock, hours: 6, eventsPerHour: 40, webhookCa: receiverTls.caPem });
    http = client(sim);
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    receiver.closeAllConnections();
    receiverTls.dispose();
  });

  it('validates, then notifies about content listed after the webhook was set', async () => {
    const tenantId = sim.tenants[0]!.tenantId;
    const token = await http.token();
    const body = JSON.stringify({
      webhook: { address, authId: 'o365activityapinotification', expiration: '' },
    });
    const start = await http.call(
      'POST',
      feedPath(tenantId, 'subscriptions/start', { contentType: 'Audit.SharePoint' }),
      {
        token,
        body,
      },
    );
    expect(start.status).toBe(200);
    expect(start.json.webhook).toEqual({
      status: 'enabled',
      address,
      authId: 'o365activityapinotification',
      expiration: null,
    });
    const validation = received.at(-1)!;
    expect(validation.headers['webhook-authid']).toBe('o365activityapinotification');
    expect(validation.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(validation.body).toEqual({ validationCode: validation.headers['webhook-validationcode'] });

    expect(await sim.deliverNotifications()).toBe(0);
    clock.advance(2 * HOUR);
    received.length = 0;
    const delivered = await sim.deliverNotifications();
    expect(delivered).toBeGreaterThan(0);
    const notified = received.flatMap((r) => r.body as Json[]);
    expect(received.every((r) => r.headers['webhook-authid'] === 'o365activityapinotification')).toBe(true);
    const truth = sim.blobs(tenantId, 'Audit.SharePoint', T0, clock.now());
    expect(notified.map((n) => n.contentId)).toEqual(truth.map((b) => b.contentId));
    expect(notified[0]).toMatchObject({
      tenantId,
      clientId: sim.tenants[0]!.clientId,
      contentType: 'Audit.SharePoint',
    });
    expect(notified[0].contentUri).toBe(truth[0]!.contentUri);
    // Nothing new: nothing sent again.
    expect(await sim.deliverNotifications()).toBe(0);

    const listing = await http.call(
      'GET',
      feedPath(tenantId, 'subscriptions/notifications', {
        contentType: 'Audit.SharePoint',
        startTime: apiTime(clock.now().getTime() - 6 * HOUR),
        endTime: apiTime(clock.now()),
      }),
      { token: await http.token() },
    );
    expect(listing.json.map((n: Json) => n.contentId)).toEqual(truth.map((b) => b.contentId));
  });

  it('retries a batch the receiver refused on the next delivery', async () => {
    clock.advance(HOUR);
    answer = 500;
    expect(await sim.deliverNotifications()).toBe(0);
    expect(sim.webhookLog.at(-1)).toMatchObject({ kind: 'notification', status: 500 });
    const refused = sim.webhookLog.at(-1)!.contentIds!;
    answer = 200;
    received.length = 0;
    expect(await sim.deliverNotifications()).toBeGreaterThan(0);
    expect(
      received.flatMap((r) => (r.body as Json[]).map((n) => n.contentId)).slice(0, refused.length),
    ).toEqual(refused);
  });
});
