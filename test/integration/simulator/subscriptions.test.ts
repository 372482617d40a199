/** Subscription lifecycle: start/AF20024, stop, list, AF20022/AF20023/AF20020, webhooks, gaps. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { apiTime, client, feedPath, type Json } from './helpers.js';

const T0 = new Date('2026-05-01T08:00:00Z');
const HOUR = 3600_000;

describe('subscriptions', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let token: string;
  let tenantId: string;
  const clock = new FrozenClock(T0);
  beforeAll(async () => {
    sim = await startSimulator({
      seed: 5,
      clock,
      hours: 24,
      eventsPerHour: 30,
      autoStartSubscriptions: false,
    });
    http = client(sim);
    token = await http.token();
    tenantId = sim.tenants[0]!.tenantId;
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const op = async (method: string, path: string, query: Record<string, string> = {}, body?: string) =>
    http.call(method, feedPath(tenantId, path, query), {
      token: await http.token(),
      ...(body !== undefined ? { body } : {}),
    });
  const window = { startTime: apiTime(T0.getTime() - 6 * HOUR), endTime: apiTime(T0) };

  it('walks the lifecycle with the service error codes', async () => {
    expect((await op('GET', 'subscriptions/list')).json).toEqual([]);
    const never = await op('GET', 'subscriptions/content', { contentType: 'Audit.Exchange', ...window });
    expect(never.status).toBe(400);
    expect(never.json.error).toEqual({
      code: 'AF20022',
      message: 'No subscription found for the specified content type.',
    });

    const first = await op('POST', 'subscriptions/start', { contentType: 'Audit.Exchange' });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ contentType: 'Audit.Exchange', status: 'enabled', webhook: null });
    const again = await op('POST', 'subscriptions/start', { contentType: 'Audit.Exchange' });
    expect(again.status).toBe(400);
    expect(again.json.error).toEqual({
      code: 'AF20024',
      message: 'The subscription is already enabled. No property change.',
    });

    const listed = await op('GET', 'subscriptions/content', { contentType: 'Audit.Exchange', ...window });
    expect(listed.status).toBe(200);
    expect(listed.json.length).toBeGreaterThan(0);

    const stop = await op('POST', 'subscriptions/stop', { contentType: 'Audit.Exchange' });
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('');
    expect((await op('GET', 'subscriptions/list')).json).toEqual([
      { contentType: 'Audit.Exchange', status: 'disabled', webhook: null },
    ]);
    const disabled = await op('GET', 'subscriptions/content', { contentType: 'Audit.Exchange', ...window });
    expect(disabled.json.error).toEqual({
      code: 'AF20023',
      message: 'The subscription was disabled by a tenant admin.',
    });
    const blob = await http.call('GET', `${listed.json[0].contentUri}?PublisherIdentifier=${tenantId}`, {
      token,
    });
    expect(blob.json.error.code).toBe('AF20023');
  });

  it('hides content made available between stop and restart', async () => {
    clock.set(T0);
    await op('POST', 'subscriptions/start', { contentType: 'Audit.SharePoint' });
    const before = sim.expectedEventIds(tenantId, 'Audit.SharePoint').size;
    expect(before).toBeGreaterThan(0);
    await op('POST', 'subscriptions/stop', { contentType: 'Audit.SharePoint' });
    clock.advance(3 * HOUR);
    const restart = await op('POST', 'subscriptions/start', { contentType: 'Audit.SharePoint' });
    expect(restart.status).toBe(200);
    clock.advance(2 * HOUR);
    const now = clock.now().getTime();
    const res = await op('GET', 'subscriptions/content', {
      contentType: 'Audit.SharePoint',
      startTime: apiTime(now - 6 * HOUR),
      endTime: apiTime(now),
    });
    const created = res.json.map((i: Json) => Date.parse(i.contentCreated));
    expect(created.length).toBeGreaterThan(0);
    expect(created.some((t: number) => t >= T0.getTime() && t < T0.getTime() + 3 * HOUR)).toBe(false);
    expect(created.some((t: number) => t >= T0.getTime() + 3 * HOUR)).toBe(true);
    const truthInGap = sim
      .blobs(tenantId, 'Audit.SharePoint', T0, new Date(T0.getTime() + 3 * HOUR))
      .flatMap((b) => b.eventIds);
    const expected = sim.expectedEventIds(tenantId, 'Audit.SharePoint');
    expect(truthInGap.length).toBeGreaterThan(0);
    expect(truthInGap.some((id) => expected.has(id))).toBe(false);
    clock.set(T0);
  });

  it('refuses invalid or missing content types', async () => {
    const invalid = await op('POST', 'subscriptions/start', { contentType: 'Audit.Everything' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toEqual({
      code: 'AF20020',
      message: 'The specified content type is not valid.',
    });
    const listing = await op('GET', 'subscriptions/content', { contentType: 'audit.exchange', ...window });
    expect(listing.json.error.code).toBe('AF20020');
    const missing = await op('POST', 'subscriptions/start');
    expect(missing.json.error).toEqual({ code: 'AF20001', message: 'Missing parameter: contentType.' });
    const stopNever = await op('POST', 'subscriptions/stop', { contentType: 'Audit.General' });
    expect(stopNever.json.error.code).toBe('AF20022');
    const wrongMethod = await op('GET', 'subscriptions/start', { contentType: 'Audit.General' });
    expect(wrongMethod.status).toBe(405);
  });

  it('refuses a webhook that is not https or does not validate, and an admin stop disables listing', async () => {
    clock.set(T0);
    const plain = await op(
      'POST',
      'subscriptions/start',
      { contentType: 'Audit.General' },
      JSON.stringify({ webhook: { address: 'http://plain.example/' } }),
    );
    expect(plain.json.error.code).toBe('AF20021');
    expect(plain.json.error.message).toContain('The address must begin with HTTPS.');
    const unreachable = await op(
      'POST',
      'subscriptions/start',
      { contentType: 'Audit.General' },
      JSON.stringify({ webhook: { address: 'https://127.0.0.1:1/hook' } }),
    );
    expect(unreachable.json.error.code).toBe('AF20021');
    expect(unreachable.json.error.message).toContain('The endpoint did not return HTTP 200.');
    expect(sim.webhookLog.at(-1)).toMatchObject({
      kind: 'validation',
      status: 0,
      address: 'https://127.0.0.1:1/hook',
    });
    // Validation failed, so no subscription was created.
    expect((await op('GET', 'subscriptions/list')).json.map((s: Json) => s.contentType)).not.toContain(
      'Audit.General',
    );

    await op('POST', 'subscriptions/start', { contentType: 'Audit.General' });
    sim.stopSubscription(tenantId, 'Audit.General');
    const after = await op('GET', 'subscriptions/notifications', { contentType: 'Audit.General', ...window });
    expect(after.json.error.code).toBe('AF20023');
  });
});
