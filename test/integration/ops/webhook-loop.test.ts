/**
 * The webhook end to end: the simulator validates the receiver on /start and later POSTs
 * notifications (HTTPS, Webhook-AuthID) to a real HTTPS server that hands each request to the
 * notifications function handler; the enumerator polling afterwards does not enqueue them again.
 * Simulator and pipeline share one frozen clock, so "content becomes listable" is placed exactly.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Timer } from '@azure/functions';
import { HttpRequest } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { memoryLogger } from '../../../shared/logger.js';
import { createRuntime, ensureStorage, type Runtime } from '../../../shared/runtime.js';
import { makeEnumerateHandler } from '../../../functions/enumerate-content.js';
import { makeNotificationsHandler } from '../../../functions/notifications.js';
import { makeStartSubscriptionHandler } from '../../../functions/subscriptions.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { createServerTls } from '../../../tools/simulator/tls.js';
import { context, drainQueue, request, simEnv } from './harness.js';

const AUTH_ID = 'loop-auth-5d1e-7a2b';
const MIN = 60_000;

describe('webhook loop with the simulator', () => {
  const clock = new FrozenClock(new Date());
  const tls = createServerTls();
  let sim: RunningSimulator;
  let rt: Runtime;
  let receiver: Server;
  let address: string;
  const received: number[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ seed: 13, hours: 3, clock, webhookCa: tls.caPem });
    rt = createRuntime({
      env: simEnv(sim, { O365_WEBHOOK_AUTH_ID: AUTH_ID, O365_CONTENT_TYPES: 'Audit.Exchange' }),
      extraCaPem: sim.caPem,
      logger: memoryLogger(),
      clock,
    });
    await ensureStorage(rt);
    const handler = makeNotificationsHandler(() => rt);
    receiver = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const httpRequest = new HttpRequest({
          method: req.method ?? 'POST',
          url: `https://127.0.0.1${req.url ?? '/'}`,
          headers,
          body: { string: Buffer.concat(chunks).toString('utf8') },
        });
        handler(httpRequest, context('notifications').ctx).then(
          (r) => {
            received.push(r.status ?? 200);
            res.writeHead(r.status ?? 200, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(r.jsonBody ?? {}));
          },
          (err: unknown) => {
            res.writeHead(500);
            res.end(String(err));
          },
        );
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/notifications?code=function-key`;
  });

  afterAll(async () => {
    await sim?.close();
    if (receiver) await new Promise<void>((resolve) => receiver.close(() => resolve()));
    tls.dispose();
  });

  const timer = (): Timer => ({
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: {
      last: clock.now().toISOString(),
      next: clock.now().toISOString(),
      lastUpdated: clock.now().toISOString(),
    },
  });
  const startWith = (authId: string) =>
    makeStartSubscriptionHandler(() => rt)(
      request({
        method: 'POST',
        route: 'subscriptions/Audit.Exchange/start',
        params: { contentType: 'Audit.Exchange' },
        body: JSON.stringify({ webhook: { address, authId } }),
      }),
      context().ctx,
    );

  it('validation, notifications, then polling: every blob enqueued once', async () => {
    const tenantId = sim.tenants[0]!.tenantId;
    // Polling first: the enumerator's first run takes the history.
    const first = await makeEnumerateHandler(() => rt)(timer(), context('enumerateContent').ctx);
    expect(first.ok).toBe(true);
    const polledFirst = (await drainQueue(rt)).map((m) => m.contentId);
    expect(polledFirst.length).toBeGreaterThan(0);

    // A webhook registered with another authId fails the service's validation: 401 → AF20021 → 502.
    const refused = await startWith('not-the-auth-id');
    expect(refused.status).toBe(502);
    expect((refused.jsonBody as { error: string }).error).toContain('AF20021');
    expect(sim.webhookLog.at(-1)).toMatchObject({ kind: 'validation', status: 401 });

    // With the configured authId the receiver echoes the code and the subscription takes the webhook.
    const accepted = await startWith(AUTH_ID);
    expect(accepted.status).toBe(200);
    expect(sim.webhookLog.at(-1)).toMatchObject({ kind: 'validation', status: 200 });

    // New content: whatever the next 20 minutes bring, a blob created in them, and one created
    // before the webhook was registered but listed late (after it).
    const t0 = clock.now().getTime();
    const late = sim.addLateBlob(tenantId, 'Audit.Exchange', new Date(t0 - 30 * MIN), new Date(t0 + 5 * MIN));
    const fresh = sim.addLateBlob(tenantId, 'Audit.Exchange', new Date(t0 + 2 * MIN), new Date(t0 + 4 * MIN));
    clock.advance(20 * MIN);
    const delivered = await sim.deliverNotifications();
    const expected = new Set([
      ...sim
        .blobs(tenantId, 'Audit.Exchange', new Date(t0), new Date(t0 + 20 * MIN + 1))
        .map((b) => b.contentId),
      late.contentId,
      fresh.contentId,
    ]);
    expect(delivered).toBe(expected.size);
    const notes = sim.webhookLog.filter((a) => a.kind === 'notification');
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((a) => a.status === 200)).toBe(true);
    const fromWebhook = (await drainQueue(rt)).map((m) => m.contentId);
    expect(fromWebhook.sort()).toEqual([...expected].sort());
    expect(await sim.deliverNotifications()).toBe(0);

    // Polling again lists the same content (and the late blob through padding): nothing new to enqueue.
    const second = await makeEnumerateHandler(() => rt)(timer(), context('enumerateContent').ctx);
    expect(second.ok).toBe(true);
    const polledAgain = (await drainQueue(rt)).map((m) => m.contentId);
    for (const id of fromWebhook) expect(polledAgain).not.toContain(id);
    for (const id of polledFirst) expect(polledAgain).not.toContain(id);
    expect(second.types[0]!.alreadyKnown).toBeGreaterThanOrEqual(fromWebhook.length);
    expect(received.filter((s) => s !== 200 && s !== 401)).toEqual([]);
  });
});
