/**
 * Volume: a week of five content types at 10,000 events per hour per type is listed in full and a
 * sample of blobs fetched, with the heap staying bounded (content is generated lazily).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { CONTENT_TYPES } from '../../../shared/content-types.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { apiTime, client, feedPath, type Json } from './helpers.js';

const T0 = new Date('2026-10-20T06:00:00Z');
const HOUR = 3600_000;

describe('volume', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 77, clock: new FrozenClock(T0), hours: 168, eventsPerHour: 10_000 });
    http = client(sim);
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });

  it('lists 7 days x 5 content types at 10k events/hour and serves sampled blobs in bounded memory', async () => {
    const tenantId = sim.tenants[0]!.tenantId;
    const token = await http.token();
    const heapBefore = process.memoryUsage().heapUsed;
    const start = T0.getTime() - 7 * 24 * HOUR + 60_000;
    let listed = 0;
    let events = 0;
    const sample: string[] = [];
    for (const ct of CONTENT_TYPES) {
      const ids: string[] = [];
      for (let from = start; from < T0.getTime(); from += 24 * HOUR) {
        const to = Math.min(from + 24 * HOUR, T0.getTime());
        let res = await http.call(
          'GET',
          feedPath(tenantId, 'subscriptions/content', {
            contentType: ct,
            startTime: apiTime(from),
            endTime: apiTime(to),
          }),
          { token },
        );
        ids.push(...res.json.map((i: Json) => i.contentId));
        for (let next = res.headers.get('nextpageuri'); next; next = res.headers.get('nextpageuri')) {
          res = await http.call('GET', next, { token });
          expect(res.status).toBe(200);
          ids.push(...res.json.map((i: Json) => i.contentId));
        }
      }
      const truth = sim.blobs(tenantId, ct, new Date(start), T0);
      expect(ids).toEqual(truth.map((b) => b.contentId));
      listed += ids.length;
      events += truth.reduce((n, b) => n + b.recordCount, 0);
      sample.push(
        truth[0]!.contentUri,
        truth[Math.floor(truth.length / 2)]!.contentUri,
        truth.at(-1)!.contentUri,
      );
    }
    let fetchedRecords = 0;
    for (const uri of sample) {
      const res = await http.call('GET', `${uri}?PublisherIdentifier=${tenantId}`, { token });
      expect(res.status).toBe(200);
      fetchedRecords += res.json.length;
    }
    const heapAfter = process.memoryUsage().heapUsed;
    const heapMb = (heapAfter / 2 ** 20).toFixed(1);
    const growthMb = ((heapAfter - heapBefore) / 2 ** 20).toFixed(1);
    console.log(
      `volume: ${listed} blobs listed (${events} events in the ground truth), ${sample.length} blobs fetched (${fetchedRecords} records); heapUsed ${heapMb} MiB (growth ${growthMb} MiB)`,
    );
    expect(events).toBeGreaterThan(5 * 160 * 10_000 * 0.9);
    expect(fetchedRecords).toBeGreaterThan(sample.length * 1000);
    // The week holds >8M events; materialised it would need gigabytes.
    expect(heapAfter).toBeLessThan(600 * 2 ** 20);
  });
});
