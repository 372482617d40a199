import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/af-errors.js';
import type { ContentType } from '../../../shared/content-types.js';
import { apiEntries, readAll, simConfig, simulator, stack, type Sim } from './harness.js';

let sim: Sim;
beforeAll(async () => {
  sim = await simulator({ pageSize: 3, eventsPerHour: 120, autoStartSubscriptions: false });
});
afterAll(async () => {
  await sim?.close();
});

const HOUR = 3600_000;
const hourFloor = (ms: number) => Math.floor(ms / HOUR) * HOUR;

describe('Management API client against the simulator', () => {
  it('starts subscriptions (200, then 400 AF20024 both resolve), lists and stops them', async () => {
    const s = stack(sim, simConfig(sim));
    try {
      const first = await s.api.startSubscription('Audit.Exchange');
      expect(first.status).toBe('enabled');
      const again = await s.api.startSubscription('Audit.Exchange');
      expect(again.status).toBe('enabled');
      const starts = apiEntries(sim).filter((e) => e.kind === 'start');
      expect(starts.map((e) => [e.status, e.afCode])).toEqual([
        [200, undefined],
        [400, 'AF20024'],
      ]);
      for (const ct of [
        'Audit.SharePoint',
        'Audit.General',
        'DLP.All',
        'Audit.AzureActiveDirectory',
      ] as const) {
        await s.api.startSubscription(ct);
      }
      const listed = await s.api.listSubscriptions();
      expect(listed.find((x) => x.contentType === 'Audit.Exchange')?.status).toBe('enabled');
      await s.api.stopSubscription('Audit.AzureActiveDirectory');
      const afterStop = await s.api.listSubscriptions();
      expect(
        afterStop.find((x) => x.contentType === 'Audit.AzureActiveDirectory')?.status ?? 'absent',
      ).not.toBe('enabled');
    } finally {
      await s.close();
    }
  });

  it('lists one window across many pages: sorted, deduped, equal to the truth', async () => {
    const s = stack(sim, simConfig(sim));
    try {
      const ct: ContentType = 'Audit.SharePoint';
      const end = new Date(hourFloor(Date.now()) - HOUR);
      const start = new Date(end.getTime() - 12 * HOUR);
      const before = apiEntries(sim).length;
      const { items, pages } = await s.api.listContent(ct, { start, end });
      const truth = sim
        .blobs(sim.tenants[0]!.tenantId, ct, start, end)
        .filter((b) => Date.parse(b.listableAt) <= Date.now());
      expect(truth.length).toBeGreaterThan(9);
      // Page size 3: every page full but the last (which may be empty when the count divides).
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(truth.length / 3));
      expect(pages).toBeLessThanOrEqual(Math.ceil(truth.length / 3) + 1);
      expect(items.map((i) => i.contentId).sort()).toEqual(truth.map((b) => b.contentId).sort());
      const order = items.map((i) => [Date.parse(i.contentCreated), i.contentId] as const);
      const sorted = [...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      expect(order).toEqual(sorted);
      expect(new Set(items.map((i) => i.contentId)).size).toBe(items.length);

      const requests = apiEntries(sim).slice(before);
      expect(requests.length).toBe(pages);
      expect(requests.every((e) => e.kind === 'content' && e.status === 200)).toBe(true);
      expect(requests[0]!.startTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(requests.slice(1).every((e) => /nextpage=/i.test(e.url))).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('fetches a blob as a stream equal to the served records, with PublisherIdentifier', async () => {
    const s = stack(sim, simConfig(sim));
    try {
      const end = new Date(hourFloor(Date.now()) - HOUR);
      const { items } = await s.api.listContent('Audit.SharePoint', {
        start: new Date(end.getTime() - 6 * HOUR),
        end,
      });
      const item = items[0]!;
      const body = await s.api.fetchContent(item.contentUri);
      const text = await readAll(body.stream);
      expect(JSON.parse(text)).toEqual(sim.blobRecords(sim.tenants[0]!.tenantId, item.contentId));
      if (body.contentLength !== undefined) expect(body.contentLength).toBe(Buffer.byteLength(text));
    } finally {
      await s.close();
    }
  });

  it('resolves DLP sensitive type names and lists notifications', async () => {
    const s = stack(sim, simConfig(sim));
    try {
      const types = await s.api.dlpSensitiveTypes();
      expect(types.length).toBeGreaterThan(0);
      expect(types.every((t) => t.id.length > 0 && t.name.length > 0)).toBe(true);
      const end = new Date(hourFloor(Date.now()));
      const notes = await s.api.listNotifications('Audit.SharePoint', {
        start: new Date(end.getTime() - HOUR),
        end,
      });
      expect(Array.isArray(notes)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('surfaces the API error categories: resubscribe (AF20022) and rewindow (AF20055/AF20030)', async () => {
    const s = stack(sim, simConfig(sim));
    try {
      const end = new Date(hourFloor(Date.now()));
      const never = await s.api
        .listContent('Audit.AzureActiveDirectory', { start: new Date(end.getTime() - HOUR), end })
        .catch((e: unknown) => e);
      expect(never).toBeInstanceOf(ApiError);
      expect((never as ApiError).category).toBe('resubscribe');
      const old = new Date(Date.now() - 9 * 24 * HOUR);
      const tooOld = await s.api
        .listContent('Audit.SharePoint', { start: old, end: new Date(old.getTime() + HOUR) })
        .catch((e: unknown) => e);
      expect(tooOld).toBeInstanceOf(ApiError);
      expect((tooOld as ApiError).category).toBe('rewindow');
      expect(typeof (tooOld as ApiError).clockSkewMs).toBe('number');
      expect(Math.abs((tooOld as ApiError).clockSkewMs!)).toBeLessThan(5_000);
    } finally {
      await s.close();
    }
  });

  it('sends PublisherIdentifier on every API call, blob fetches included', () => {
    const entries = apiEntries(sim);
    expect(entries.length).toBeGreaterThan(5);
    const pid = sim.tenants[0]!.tenantId;
    expect(entries.filter((e) => e.publisherIdentifier !== pid)).toEqual([]);
    expect(entries.some((e) => e.kind === 'blob')).toBe(true);
    // The only rule broken on purpose is the 9-day-old window of the rewindow test.
    expect(entries.flatMap((e) => e.violations).filter((v) => v !== 'window>7d')).toEqual([]);
  });
});
