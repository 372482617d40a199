/** subscriptions/content: window rules, the filter boundary, pagination, late content, growth. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { apiTime, client, feedPath, type Json } from './helpers.js';

const T0 = new Date('2026-07-15T10:30:00Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('content listing', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let tenantId: string;
  const clock = new FrozenClock(T0);
  beforeAll(async () => {
    sim = await startSimulator({ seed: 21, clock, hours: 168, eventsPerHour: 50, pageSize: 7 });
    http = client(sim);
    tenantId = sim.tenants[0]!.tenantId;
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const content = async (query: Record<string, string>, publisher: string | null = tenantId) =>
    http.call(
      'GET',
      feedPath(tenantId, 'subscriptions/content', { contentType: 'Audit.Exchange', ...query }, publisher),
      {
        token: await http.token(),
      },
    );
  const lastEntry = () => sim.requestLog.at(-1)!;
  const AF20055 =
    'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past.';

  it('refuses windows over 24 hours, too old, reversed or one-sided with AF20055', async () => {
    const now = T0.getTime();
    const long = await content({ startTime: apiTime(now - 25 * HOUR), endTime: apiTime(now) });
    expect(long.status).toBe(400);
    expect(long.json.error).toEqual({ code: 'AF20055', message: AF20055 });
    expect(lastEntry().violations).toContain('window>24h');

    const old = await content({
      startTime: apiTime(now - 7 * DAY - 2 * HOUR),
      endTime: apiTime(now - 7 * DAY + 2 * HOUR),
    });
    expect(old.json.error.code).toBe('AF20055');
    expect(lastEntry().violations).toContain('window>7d');
    // Within the service's tolerance: answered, but still a broken rule.
    const edge = await content({
      startTime: apiTime(now - 7 * DAY - 10 * 60_000),
      endTime: apiTime(now - 6 * DAY - HOUR),
    });
    expect(edge.status).toBe(200);
    expect(lastEntry().violations).toContain('window>7d');

    const reversed = await content({ startTime: apiTime(now), endTime: apiTime(now - HOUR) });
    expect(reversed.json.error.code).toBe('AF20055');
    const empty = await content({ startTime: apiTime(now), endTime: apiTime(now) });
    expect(empty.json.error.code).toBe('AF20055');
    const oneSided = await content({ startTime: apiTime(now - HOUR) });
    expect(oneSided.json.error.code).toBe('AF20055');
    expect(lastEntry()).toMatchObject({ status: 400, afCode: 'AF20055', startTime: apiTime(now - HOUR) });
    const garbage = await content({ startTime: 'yesterday', endTime: apiTime(now) });
    expect(garbage.json.error.code).toBe('AF20002');
  });

  it('accepts the documented time formats (and Z, fractions)', async () => {
    const day = '2026-07-15';
    const formats: Array<[string, string]> = [
      ['2026-07-14', day],
      ['2026-07-14T10:30', '2026-07-15T10:30'],
      ['2026-07-14T10:30:00', '2026-07-15T10:30:00'],
      ['2026-07-14T10:30:00Z', '2026-07-15T10:30:00Z'],
      ['2026-07-14T10:30:00.000Z', '2026-07-15T10:30:00.0000000Z'],
    ];
    for (const [startTime, endTime] of formats) {
      const res = await content({ startTime, endTime });
      expect(res.status, `${startTime}..${endTime}`).toBe(200);
    }
  });

  it('filters startTime <= contentCreated < endTime on listable content, sorted by contentCreated', async () => {
    const blobs = sim.blobs(tenantId, 'Audit.Exchange', new Date(T0.getTime() - 20 * HOUR), T0);
    const pivot = blobs[5]!;
    const created = Date.parse(pivot.contentCreated);
    const withStart = await collect({
      startTime: pivot.contentCreated,
      endTime: apiTime(created + 2 * HOUR),
    });
    expect(withStart[0]).toMatchObject({ contentId: pivot.contentId, contentCreated: pivot.contentCreated });
    const withEnd = await collect({ startTime: apiTime(created - 2 * HOUR), endTime: pivot.contentCreated });
    expect(withEnd.map((i) => i.contentId)).not.toContain(pivot.contentId);
    expect(Date.parse(withEnd.at(-1)!.contentCreated)).toBeLessThan(created);
    const sorted = [...withEnd].sort((a, b) => Date.parse(a.contentCreated) - Date.parse(b.contentCreated));
    expect(withEnd).toEqual(sorted);
  });

  async function collect(query: Record<string, string>): Promise<Json[]> {
    const items: Json[] = [];
    let res = await content(query);
    expect(res.status).toBe(200);
    items.push(...res.json);
    for (let next = res.headers.get('nextpageuri'); next; next = res.headers.get('nextpageuri')) {
      res = await http.call('GET', next, { token: await http.token() });
      expect(res.status).toBe(200);
      items.push(...res.json);
    }
    return items;
  }

  it('pages with NextPageUri across many pages and matches the ground truth', async () => {
    const end = T0.getTime();
    const start = end - 24 * HOUR;
    const logStart = sim.requestLog.length;
    const items = await collect({ startTime: apiTime(start), endTime: apiTime(end) });
    const truth = sim.blobs(tenantId, 'Audit.Exchange', new Date(start), new Date(end));
    expect(items.length).toBeGreaterThan(7 * 5);
    expect(items.map((i) => i.contentId)).toEqual(truth.map((b) => b.contentId));
    const pages = sim.requestLog
      .slice(logStart)
      .filter((e) => e.kind === 'content' && e.url.includes('nextPage='));
    expect(pages.length).toBe(Math.ceil(items.length / 7) - 1);
    // The next-page URL keeps the window and carries the PublisherIdentifier through.
    const next = new URL(
      (await content({ startTime: apiTime(start), endTime: apiTime(end) })).headers.get('NextPageUri')!,
    );
    expect(next.origin).toBe(sim.apiRoot);
    expect(next.searchParams.get('startTime')).toBe(apiTime(start));
    expect(next.searchParams.get('nextPage')).toMatch(/^\d{10}R\d{13}$/);
    expect(next.searchParams.get('PublisherIdentifier')).toBe(tenantId);
    expect(items[0]).toEqual({
      contentType: 'Audit.Exchange',
      contentId: truth[0]!.contentId,
      contentUri: `${sim.apiRoot}/api/v1.0/${tenantId}/activity/feed/audit/${truth[0]!.contentId}`,
      contentCreated: truth[0]!.contentCreated,
      contentExpiration: truth[0]!.contentExpiration,
    });
  });

  it('answers AF20031 to a forged or reused nextPage token', async () => {
    const end = T0.getTime();
    const first = await content({ startTime: apiTime(end - 12 * HOUR), endTime: apiTime(end) });
    const token = new URL(first.headers.get('NextPageUri')!).searchParams.get('nextPage')!;
    const forged = await content({
      startTime: apiTime(end - 12 * HOUR),
      endTime: apiTime(end),
      nextPage: 'garbage',
    });
    expect(forged.json.error).toEqual({ code: 'AF20031', message: 'Invalid nextPage Input: garbage.' });
    const otherWindow = await content({
      startTime: apiTime(end - 13 * HOUR),
      endTime: apiTime(end),
      nextPage: token,
    });
    expect(otherWindow.json.error.code).toBe('AF20031');
  });

  it('defaults to the 24 hours before now when both times are omitted', async () => {
    const res = await content({});
    expect(res.status).toBe(200);
    const next = new URL(res.headers.get('NextPageUri')!);
    expect(next.searchParams.get('startTime')).toBe(apiTime(T0.getTime() - DAY));
    expect(next.searchParams.get('endTime')).toBe(apiTime(T0));
    for (const i of res.json) expect(Date.parse(i.contentCreated)).toBeGreaterThanOrEqual(T0.getTime() - DAY);
  });

  it('records a missing PublisherIdentifier', async () => {
    const res = await content({}, null);
    expect(res.status).toBe(200);
    expect(lastEntry().violations).toContain('noPublisherIdentifier');
    await content({});
    expect(lastEntry().violations).not.toContain('noPublisherIdentifier');
    expect(lastEntry().publisherIdentifier).toBe(tenantId);
  });

  it('lists a late blob only once listableAt has passed, in its contentCreated window', async () => {
    const created = new Date(T0.getTime() - 30 * 60_000);
    const listable = new Date(T0.getTime() + 45 * 60_000);
    const late = sim.addLateBlob(tenantId, 'Audit.Exchange', created, listable);
    expect(late.listableAt).toBe(listable.toISOString());
    const window = { startTime: apiTime(T0.getTime() - HOUR), endTime: apiTime(T0.getTime() + HOUR) };
    expect((await collect(window)).map((i) => i.contentId)).not.toContain(late.contentId);
    expect(sim.expectedEventIds(tenantId, 'Audit.Exchange').has(late.eventIds[0]!)).toBe(false);
    clock.set(listable);
    expect((await collect(window)).map((i) => i.contentId)).toContain(late.contentId);
    expect(sim.expectedEventIds(tenantId, 'Audit.Exchange').has(late.eventIds[0]!)).toBe(true);
    clock.set(T0);
  });

  it('grows as the clock advances', async () => {
    const window = { startTime: apiTime(T0.getTime() - HOUR), endTime: apiTime(T0.getTime() + 3 * HOUR) };
    const before = (await collect(window)).length;
    clock.advance(3 * HOUR);
    const after = (await collect(window)).length;
    expect(after).toBeGreaterThan(before);
    clock.set(T0);
  });
});
