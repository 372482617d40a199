/** Every fault knob, scenarios, and the rule that Entra is left alone unless asked. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { client, feedPath } from './helpers.js';

const T0 = new Date('2026-02-02T12:00:00Z');

describe('fault injection', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let tenantId: string;
  let blobUri: string;
  const clock = new FrozenClock(T0);
  beforeAll(async () => {
    sim = await startSimulator({ seed: 9, clock, hours: 12, eventsPerHour: 200 });
    http = client(sim);
    tenantId = sim.tenants[0]!.tenantId;
    blobUri = `${sim.blobs(tenantId, 'Audit.Exchange')[0]!.contentUri}?PublisherIdentifier=${tenantId}`;
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const list = async () =>
    http.call('GET', feedPath(tenantId, 'subscriptions/list'), { token: await http.token() });

  it('throttles with AF429 as HTTP 403', async () => {
    sim.setFaults({ throttle403: 1 });
    const res = await list();
    expect(res.status).toBe(403);
    expect(res.json.error).toEqual({
      code: 'AF429',
      message: `Too many requests. Method=ListSubscriptions, PublisherId=${tenantId}`,
    });
    expect(sim.requestLog.at(-1)).toMatchObject({ fault: 'throttle403', afCode: 'AF429', status: 403 });
    sim.setFaults({});
  });

  it('throttles with AF429 as HTTP 429 and Retry-After', async () => {
    sim.setFaults({ throttle429: 1, retryAfterSeconds: 7 });
    const res = await list();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.json.error.code).toBe('AF429');
    sim.setFaults({});
  });

  it('fails with AF50000/500, 503 and 408', async () => {
    sim.setFaults({ internalError: 1 });
    const e500 = await list();
    expect(e500.status).toBe(500);
    expect(e500.json.error).toEqual({
      code: 'AF50000',
      message: 'An internal error occurred. Retry the request.',
    });
    sim.setFaults({ unavailable: 1 });
    expect((await list()).status).toBe(503);
    sim.setFaults({ timeout408: 1 });
    expect((await list()).status).toBe(408);
    expect(sim.requestLog.at(-1)!.fault).toBe('timeout408');
    sim.setFaults({});
  });

  it('slows responses down (recorded, not timed)', async () => {
    sim.setFaults({ slow: 1, slowMs: 50 });
    const res = await list();
    expect(res.status).toBe(200);
    expect(sim.requestLog.at(-1)!.fault).toBe('slow');
    sim.setFaults({});
  });

  it('resets connections', async () => {
    const token = await http.token();
    sim.setFaults({ connectionReset: 1 });
    await expect(http.call('GET', feedPath(tenantId, 'subscriptions/list'), { token })).rejects.toThrow();
    expect(sim.requestLog.at(-1)).toMatchObject({ fault: 'connectionReset', status: 0 });
    sim.setFaults({});
  });

  it('cuts blob bodies short and sends malformed JSON', async () => {
    const token = await http.token();
    sim.setFaults({ truncatedBody: 1 });
    await expect(http.call('GET', blobUri, { token })).rejects.toThrow();
    expect(sim.requestLog.at(-1)).toMatchObject({ kind: 'blob', fault: 'truncatedBody' });
    sim.setFaults({ malformedJson: 1 });
    const bad = await http.call('GET', blobUri, { token });
    expect(bad.status).toBe(200);
    expect(() => JSON.parse(bad.text) as unknown).toThrow();
    expect(sim.requestLog.at(-1)!.fault).toBe('malformedJson');
    // Neither counts as a successful serve.
    sim.setFaults({});
    await http.call('GET', blobUri, { token });
    expect(sim.requestLog.at(-1)!.violations).not.toContain('blobFetchedTwice');
    // Body faults only ever touch blobs.
    sim.setFaults({ truncatedBody: 1, malformedJson: 1 });
    expect((await list()).json).toHaveLength(5);
    sim.setFaults({});
  });

  it('revokes tokens at random when asked', async () => {
    sim.setFaults({ revokedToken: 1 });
    const res = await list();
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ Message: 'Authorization has been denied for this request.' });
    expect(sim.requestLog.at(-1)!.fault).toBe('revokedToken');
    sim.setFaults({});
  });

  it('leaves the token endpoint alone unless kinds includes token, and honours kinds', async () => {
    sim.setFaults({ internalError: 1 });
    await expect(http.token()).resolves.toBeTruthy();
    sim.setFaults({ internalError: 1, kinds: ['token'] });
    await expect(http.token()).rejects.toThrow(/500/);
    sim.setFaults({ internalError: 1, kinds: ['blob'] });
    expect((await list()).status).toBe(200);
    expect((await http.call('GET', blobUri, { token: await http.token() })).status).toBe(500);
    sim.setFaults({});
  });

  it('is reproducible: the same seed, fault settings and requests meet the same faults', async () => {
    const run = async () => {
      const twin = await startSimulator({ seed: 9, clock, hours: 1, eventsPerHour: 5 });
      const c = client(twin);
      try {
        twin.setFaults({ throttle403: 0.3, internalError: 0.2 });
        const token = await c.token();
        const t = twin.tenants[0]!.tenantId;
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++)
          statuses.push((await c.call('GET', feedPath(t, 'subscriptions/list'), { token })).status);
        return statuses;
      } finally {
        await c.close();
        await twin.close();
      }
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 403, 500]));
  });

  it('applies scenario presets', async () => {
    const throttled = await startSimulator({
      seed: 1,
      clock,
      hours: 2,
      eventsPerHour: 5,
      scenario: 'throttle429',
    });
    const late = await startSimulator({ seed: 1, clock, hours: 24, eventsPerHour: 50, scenario: 'late' });
    const c = client(throttled);
    try {
      const t = throttled.tenants[0]!.tenantId;
      const token = await c.token();
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++)
        statuses.push((await c.call('GET', feedPath(t, 'subscriptions/list'), { token })).status);
      expect(statuses).toContain(429);
      expect(statuses).toContain(200);
      const blobs = late.blobs(late.tenants[0]!.tenantId, 'Audit.Exchange');
      expect(blobs.some((b) => b.listableAt > b.contentCreated)).toBe(true);
      expect(blobs.some((b) => b.listableAt === b.contentCreated)).toBe(true);
    } finally {
      await c.close();
      await throttled.close();
      await late.close();
    }
  });
});
