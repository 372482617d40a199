/**
 * The publisher quota (AF429 per tenant and PublisherIdentifier, a shared anonymous pool),
 * configurable content expiration and the expireBlobs fault, and the Date header on the
 * simulated clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { ANONYMOUS_PUBLISHER } from '../../../tools/simulator/quota.js';
import { apiTime, client, feedPath } from './helpers.js';

const T0 = new Date('2026-04-20T08:00:00Z');
const HOUR = 3600_000;
const PUBLISHER = '5f1e2d3c-0000-4000-8000-00000000aaaa';
const OTHER_PUBLISHER = '5f1e2d3c-0000-4000-8000-00000000bbbb';

describe('publisher quota', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let token: string;
  let secondToken: string;
  // The quota's clock: real arrival time by default, a counter here so no test depends on speed.
  let quotaNow = 0;
  beforeAll(async () => {
    sim = await startSimulator({
      seed: 4,
      tenants: 2,
      clock: new FrozenClock(T0),
      hours: 2,
      eventsPerHour: 10,
      quotaPerMinute: 20,
      anonymousQuotaPerMinute: 5,
      quotaClock: () => quotaNow,
    });
    http = client(sim);
    token = await http.token(0);
    secondToken = await http.token(1);
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const list = (publisher: string | null, tenantIndex = 0) =>
    http.call('GET', feedPath(sim.tenants[tenantIndex]!.tenantId, 'subscriptions/list', {}, publisher), {
      token: tenantIndex === 0 ? token : secondToken,
    });
  const statuses = async (n: number, publisher: string | null, tenantIndex = 0) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await list(publisher, tenantIndex)).status);
    return out;
  };

  it('answers AF429 (403) past the quota of a publisher and logs it as throttled', async () => {
    quotaNow = 1_000_000;
    expect(await statuses(20, PUBLISHER)).toEqual(Array<number>(20).fill(200));
    const over = await list(PUBLISHER);
    expect(over.status).toBe(403);
    expect(over.json).toEqual({
      error: {
        code: 'AF429',
        message: `Too many requests. Method=ListSubscriptions, PublisherId=${PUBLISHER}`,
      },
    });
    expect(over.headers.get('retry-after')).toBeNull();
    const entry = sim.requestLog.at(-1)!;
    expect(entry).toMatchObject({
      kind: 'list',
      status: 403,
      afCode: 'AF429',
      throttled: 'quota',
      publisherIdentifier: PUBLISHER,
    });
    expect(entry.fault).toBeUndefined();
    expect(entry.violations).toEqual(['overQuota']);
    // Requests inside the quota broke no rule.
    expect(sim.requestLog.filter((e) => e.violations.includes('overQuota'))).toHaveLength(1);
  });

  it('keeps separate quotas per publisher and per tenant', async () => {
    quotaNow = 2_000_000;
    expect(await statuses(20, PUBLISHER)).toEqual(Array<number>(20).fill(200));
    expect((await list(PUBLISHER)).status).toBe(403);
    // Another publisher in the same tenant, and the same publisher in another tenant, still have room.
    expect(await statuses(20, OTHER_PUBLISHER)).toEqual(Array<number>(20).fill(200));
    expect(await statuses(20, PUBLISHER, 1)).toEqual(Array<number>(20).fill(200));
    expect((await list(OTHER_PUBLISHER)).status).toBe(403);
    expect((await list(PUBLISHER, 1)).status).toBe(403);
    // Publisher ids are GUIDs: case does not make a new pool.
    expect((await list(PUBLISHER.toUpperCase())).status).toBe(403);
  });

  it('slides over 60 s of arrivals; refused requests do not count', async () => {
    quotaNow = 3_000_000;
    expect(await statuses(10, PUBLISHER)).toEqual(Array<number>(10).fill(200));
    quotaNow += 30_000;
    expect(await statuses(12, PUBLISHER)).toEqual([...Array<number>(10).fill(200), 403, 403]);
    quotaNow += 29_999; // the first ten are 59.999 s old: still in the window
    expect((await list(PUBLISHER)).status).toBe(403);
    quotaNow += 1; // now 60 s old: out
    expect(await statuses(11, PUBLISHER)).toEqual([...Array<number>(10).fill(200), 403]);
  });

  it('puts requests without PublisherIdentifier in one pool shared by all tenants', async () => {
    quotaNow = 4_000_000;
    expect(await statuses(3, null, 0)).toEqual([200, 200, 200]);
    expect(await statuses(1, null, 1)).toEqual([200]);
    // The explicit all-zero publisher is the same pool.
    expect(await statuses(1, ANONYMOUS_PUBLISHER, 1)).toEqual([200]);
    const over = await list(null, 1);
    expect(over.status).toBe(403);
    expect(over.json.error.message).toBe(
      `Too many requests. Method=ListSubscriptions, PublisherId=${ANONYMOUS_PUBLISHER}`,
    );
    expect(sim.requestLog.at(-1)!.violations).toEqual(['overQuota', 'noPublisherIdentifier']);
    expect((await list(null, 0)).status).toBe(403);
    // Publishers have their own pools.
    expect((await list(PUBLISHER)).status).toBe(200);
  });

  it('counts blob fetches and listings alike, and leaves the token endpoint alone', async () => {
    quotaNow = 5_000_000;
    const tenantId = sim.tenants[0]!.tenantId;
    const blob = sim.blobs(tenantId, 'Audit.Exchange')[0]!;
    expect(await statuses(19, PUBLISHER)).toEqual(Array<number>(19).fill(200));
    for (let i = 0; i < 30; i++) await http.token(0); // not API requests
    const fetched = await http.call('GET', `${blob.contentUri}?PublisherIdentifier=${PUBLISHER}`, { token });
    expect(fetched.status).toBe(200);
    const over = await http.call('GET', `${blob.contentUri}?PublisherIdentifier=${PUBLISHER}`, { token });
    expect(over.status).toBe(403);
    expect(over.json.error.message).toBe(`Too many requests. Method=GetBlob, PublisherId=${PUBLISHER}`);
  });

  it('keeps injected throttling as it was, marked as a fault', async () => {
    quotaNow = 6_000_000;
    sim.setFaults({ throttle429: 1, retryAfterSeconds: 3 });
    try {
      const res = await list(PUBLISHER);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(sim.requestLog.at(-1)).toMatchObject({ fault: 'throttle429', throttled: 'fault' });
      expect(sim.requestLog.at(-1)!.violations).toEqual([]);
    } finally {
      sim.setFaults({});
    }
  });

  it('refuses a quota that is not a positive number', async () => {
    await expect(startSimulator({ quotaPerMinute: 0 })).rejects.toThrow(
      /quotaPerMinute must be a positive number/,
    );
  });
});

describe('default quota', () => {
  it('is the reference baseline: 2,000 requests a minute per tenant and publisher', async () => {
    const sim = await startSimulator({ seed: 5, hours: 0, quotaClock: () => 0 });
    const http = client(sim);
    try {
      const path = feedPath(sim.tenants[0]!.tenantId, 'subscriptions/list', {}, PUBLISHER);
      // Counted before authorization: cheap unauthenticated requests fill the quota.
      const counts = new Map<number, number>();
      for (let i = 0; i < 2000; i++) {
        const status = (await http.call('GET', path)).status;
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      expect(counts).toEqual(new Map([[401, 2000]]));
      const over = await http.call('GET', path);
      expect(over.status).toBe(403);
      expect(over.json.error.code).toBe('AF429');
    } finally {
      await http.close();
      await sim.close();
    }
  });
});

describe('content expiration', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let tenantId: string;
  const clock = new FrozenClock(T0);
  beforeAll(async () => {
    sim = await startSimulator({
      seed: 12,
      clock,
      hours: 6,
      eventsPerHour: 20,
      contentExpirationMs: 2 * HOUR,
    });
    http = client(sim);
    tenantId = sim.tenants[0]!.tenantId;
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const get = async (uri: string) =>
    http.call('GET', `${uri}?PublisherIdentifier=${tenantId}`, { token: await http.token() });

  it('lists contentExpiration = contentCreated + the configured time', async () => {
    const res = await http.call(
      'GET',
      feedPath(tenantId, 'subscriptions/content', {
        contentType: 'Audit.General',
        startTime: apiTime(T0.getTime() - 6 * HOUR),
        endTime: apiTime(T0),
      }),
      { token: await http.token() },
    );
    expect(res.status).toBe(200);
    expect(res.json.length).toBeGreaterThan(5);
    for (const item of res.json as Array<{ contentCreated: string; contentExpiration: string }>)
      expect(Date.parse(item.contentExpiration) - Date.parse(item.contentCreated)).toBe(2 * HOUR);
  });

  it('answers AF20051 after the configured expiration, 200 before', async () => {
    const blobs = sim.blobs(tenantId, 'Audit.Exchange');
    const old = blobs.find((b) => Date.parse(b.contentCreated) < T0.getTime() - 3 * HOUR)!;
    const recent = blobs.find((b) => Date.parse(b.contentCreated) > T0.getTime() - HOUR)!;
    const expired = await get(old.contentUri);
    expect(expired.status).toBe(400);
    expect(expired.json.error).toEqual({
      code: 'AF20051',
      message: `Content requested with the key ${old.contentId} has already expired. Content older than 7 days cannot be retrieved.`,
    });
    expect((await get(recent.contentUri)).status).toBe(200);
    expect(sim.expectedEventIds(tenantId, 'Audit.Exchange')).not.toContain(old.eventIds[0]);
    clock.set(new Date(Date.parse(recent.contentExpiration)));
    try {
      expect((await get(recent.contentUri)).json.error.code).toBe('AF20051');
    } finally {
      clock.set(T0);
    }
  });

  it('expires otherwise good blobs with the expireBlobs fault, and only blobs', async () => {
    const recent = sim.blobs(tenantId, 'Audit.SharePoint').at(-1)!;
    sim.setFaults({ expireBlobs: 1 });
    try {
      const res = await get(recent.contentUri);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('AF20051');
      expect(sim.requestLog.at(-1)).toMatchObject({ fault: 'expireBlobs', afCode: 'AF20051' });
      const listed = await http.call('GET', feedPath(tenantId, 'subscriptions/list'), {
        token: await http.token(),
      });
      expect(listed.status).toBe(200);
    } finally {
      sim.setFaults({});
    }
    expect((await get(recent.contentUri)).status).toBe(200);
  });
});

describe('Date header', () => {
  it('follows the simulated clock, on answers and errors', async () => {
    const clock = new FrozenClock(T0);
    const sim = await startSimulator({ seed: 2, clock, hours: 1, eventsPerHour: 5 });
    const http = client(sim);
    try {
      const tenantId = sim.tenants[0]!.tenantId;
      const token = await http.token();
      const ok = await http.call('GET', feedPath(tenantId, 'subscriptions/list'), { token });
      expect(ok.headers.get('date')).toBe(T0.toUTCString());
      clock.advance(45 * 60_000);
      const refused = await http.call(
        'GET',
        feedPath(tenantId, 'subscriptions/content', {
          contentType: 'Audit.Exchange',
          startTime: apiTime(T0.getTime() - 30 * HOUR),
          endTime: apiTime(T0),
        }),
        { token },
      );
      expect(refused.json.error.code).toBe('AF20055');
      expect(refused.headers.get('date')).toBe(new Date(T0.getTime() + 45 * 60_000).toUTCString());
    } finally {
      await http.close();
      await sim.close();
    }
  });
});
