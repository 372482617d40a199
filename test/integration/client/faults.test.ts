import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/af-errors.js';
import { bucketShape } from '../../../shared/api/budget.js';
import { REDIRECT_HOST, REDIRECT_SIG } from '../../../tools/simulator/server.js';
import { apiEntries, readAll, simConfig, simulator, stack, type Sim } from './harness.js';

let sim: Sim;
beforeAll(async () => {
  sim = await simulator({ pageSize: 2, eventsPerHour: 120 });
});
afterAll(async () => {
  await sim?.close();
});

const HOUR = 3600_000;
const window = (hours = 20) => {
  const end = new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR);
  return { start: new Date(end.getTime() - hours * HOUR), end };
};

/** Token-bucket invariant over the simulator's own arrival timestamps, with a small tolerance. */
function expectWithinBudget(times: number[], rpm: number): void {
  const { capacity, ratePerMs } = bucketShape(rpm);
  for (let i = 0; i < times.length; i++) {
    for (let j = i; j < times.length; j++) {
      const allowed = capacity + ratePerMs * (times[j]! - times[i]!) + 2;
      expect(j - i + 1).toBeLessThanOrEqual(allowed);
    }
  }
}

describe('throttling and transient faults', () => {
  it.each([
    ['AF429 as HTTP 403 (no Retry-After)', { throttle403: 0.25 }, 403],
    ['AF429 as HTTP 429 with Retry-After', { throttle429: 0.15, retryAfterSeconds: 1 }, 429],
  ] as const)(
    '%s: the listing completes, within budget, pausing after each AF429',
    async (_l, faults, status) => {
      const rpm = 300;
      const s = stack(sim, simConfig(sim), {
        budget: { maxRequestsPerMinute: rpm, throttleBaseMs: 300, throttleMaxMs: 2000 },
      });
      const clean = await s.api.listContent('Audit.Exchange', window(8));
      const before = apiEntries(sim).length;
      sim.setFaults({ ...faults, kinds: ['content'] });
      try {
        const stormy = await s.api.listContent('Audit.Exchange', window(8));
        expect(stormy.items.map((i) => i.contentId)).toEqual(clean.items.map((i) => i.contentId));
        const entries = apiEntries(sim).slice(before);
        const throttled = entries.filter((e) => e.afCode === 'AF429');
        expect(throttled.length).toBeGreaterThan(0);
        expect(throttled.every((e) => e.status === status)).toBe(true);
        const times = entries.map((e) => Date.parse(e.at));
        expectWithinBudget(times, rpm);
        // After an AF429 the next request waits: Retry-After (1 s) or at least half the base back-off.
        const minPause = status === 429 ? 950 : 140;
        entries.forEach((e, i) => {
          if (e.afCode === 'AF429' && i + 1 < entries.length) {
            expect(times[i + 1]! - times[i]!).toBeGreaterThanOrEqual(minPause);
          }
        });
      } finally {
        sim.setFaults({});
        await s.close();
      }
    },
  );

  it('retries 500/503/408 and connection resets, then succeeds', async () => {
    const s = stack(sim, simConfig(sim), { retry: { maxAttempts: 10 } });
    const clean = await s.api.listContent('Audit.General', window());
    const before = apiEntries(sim).length;
    sim.setFaults({
      internalError: 0.15,
      unavailable: 0.1,
      timeout408: 0.1,
      connectionReset: 0.1,
      kinds: ['content'],
    });
    try {
      const result = await s.api.listContent('Audit.General', window());
      expect(result.items).toEqual(clean.items);
      const faults = new Set(
        apiEntries(sim)
          .slice(before)
          .flatMap((e) => (e.fault ? [e.fault] : [])),
      );
      expect(faults.size).toBeGreaterThanOrEqual(2);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a throttling storm longer than the attempts slows the call down, it does not fail it', async () => {
    const s = stack(sim, simConfig(sim), {
      budget: { throttleBaseMs: 20, throttleMaxMs: 60 },
      retry: { maxAttempts: 3 },
    });
    const before = apiEntries(sim).length;
    const throttledSoFar = () =>
      apiEntries(sim)
        .slice(before)
        .filter((e) => e.afCode === 'AF429').length;
    sim.setFaults({ throttle403: 1, kinds: ['list'] });
    // The storm ends only after three times as many AF429 answers as the call has attempts.
    const storm = (async () => {
      while (throttledSoFar() < 9) await new Promise((r) => setTimeout(r, 5));
      sim.setFaults({});
    })();
    try {
      const subscriptions = await s.api.listSubscriptions();
      await storm;
      expect(Array.isArray(subscriptions)).toBe(true);
      expect(throttledSoFar()).toBeGreaterThanOrEqual(9);
      expect(apiEntries(sim).slice(before).at(-1)?.status).toBe(200);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('fails retryable once a call has been throttled for longer than its allowance', async () => {
    const s = stack(sim, simConfig(sim), {
      budget: { throttleBaseMs: 20, throttleMaxMs: 60 },
      retry: { maxAttempts: 3, maxThrottledMs: 400 },
    });
    sim.setFaults({ throttle403: 1, kinds: ['list'] });
    const before = apiEntries(sim).length;
    try {
      const err = await s.api.listSubscriptions().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).retryable).toBe(true);
      expect((err as ApiError).afCode).toBe('AF429');
      expect((err as ApiError).message).toMatch(/still throttled after \d+ answers/);
      const entries = apiEntries(sim).slice(before);
      expect(entries.length).toBeGreaterThan(3);
      expect(entries.every((e) => e.afCode === 'AF429')).toBe(true);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a stale nextPage token (AF20031) restarts the listing from its first page, once', async () => {
    const s = stack(sim, simConfig(sim), { retry: { maxAttempts: 2 } });
    try {
      const clean = await s.api.listContent('Audit.Exchange', window(8));
      const before = apiEntries(sim).length;
      const entries = () => apiEntries(sim).slice(before);
      const stale = () => entries().filter((e) => e.afCode === 'AF20031').length;
      sim.setFaults({ staleNextPage: 1 });
      // The token goes stale once: the fault ends after the first AF20031 answers.
      const storm = (async () => {
        while (stale() < 2) await new Promise((r) => setTimeout(r, 2));
        sim.setFaults({});
      })();
      const listed = await s.api.listContent('Audit.Exchange', window(8));
      await storm;
      expect(listed.items).toEqual(clean.items);
      const firstPages = entries().filter((e) => e.kind === 'content' && !/nextPage=/i.test(e.url));
      expect(firstPages).toHaveLength(2);
      expect(s.logger.records.some((r) => r.event === 'api.next_page_stale')).toBe(true);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a listing whose page tokens keep going stale fails with AF20031 after one restart', async () => {
    const s = stack(sim, simConfig(sim), { retry: { maxAttempts: 2 } });
    const before = apiEntries(sim).length;
    sim.setFaults({ staleNextPage: 1 });
    try {
      const err = await s.api.listContent('Audit.Exchange', window(8)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).afCode).toBe('AF20031');
      expect((err as ApiError).retryable).toBe(true);
      const firstPages = apiEntries(sim)
        .slice(before)
        .filter((e) => e.kind === 'content' && !/nextPage=/i.test(e.url));
      expect(firstPages).toHaveLength(2);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('gives up after the bounded attempts with a retryable ApiError', async () => {
    const s = stack(sim, simConfig(sim), { retry: { maxAttempts: 3 } });
    sim.setFaults({ unavailable: 1, kinds: ['list'] });
    const before = apiEntries(sim).length;
    try {
      const err = await s.api.listSubscriptions().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).retryable).toBe(true);
      expect((err as ApiError).httpStatus).toBe(503);
      expect(apiEntries(sim).length - before).toBe(3);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a redirect on a blob fetch is not followed, fails retryable (not permanent) and alerts with the host only', async () => {
    const s = stack(sim, simConfig(sim), { retry: { maxAttempts: 2 } });
    try {
      const { items } = await s.api.listContent('Audit.Exchange', window());
      sim.setFaults({ redirect: 1, kinds: ['blob'] });
      const before = apiEntries(sim).length;
      const err = await s.api.fetchContent(items[0]!.contentUri).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ retryable: true, category: 'retry', httpStatus: 302, operation: 'blob' });
      expect(apiEntries(sim).length - before).toBe(2);
      const alerts = s.logger.records.filter((r) => r.event === 'api.redirect_refused');
      expect(alerts).toHaveLength(2);
      expect(alerts[0]).toMatchObject({ level: 'error', httpStatus: 302, locationHost: REDIRECT_HOST });
      expect(s.logger.lines.join('\n')).not.toContain(REDIRECT_SIG);
      expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(REDIRECT_SIG);
      // Once the redirects stop, the same blob is fetched.
      sim.setFaults({});
      const again = await s.api.fetchContent(items[0]!.contentUri);
      expect(JSON.parse(await readAll(again.stream))).toEqual(
        sim.blobRecords(sim.tenants[0]!.tenantId, items[0]!.contentId),
      );
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a truncated blob body fails as a retryable ApiError when consumed', async () => {
    const s = stack(sim, simConfig(sim));
    try {
      const { items } = await s.api.listContent('Audit.Exchange', window());
      sim.setFaults({ truncatedBody: 1, kinds: ['blob'] });
      const body = await s.api.fetchContent(items[0]!.contentUri);
      const err = await readAll(body.stream).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).retryable).toBe(true);
      expect((err as ApiError).operation).toBe('blob');
      sim.setFaults({});
      const again = await s.api.fetchContent(items[0]!.contentUri);
      expect(JSON.parse(await readAll(again.stream))).toEqual(
        sim.blobRecords(sim.tenants[0]!.tenantId, items[0]!.contentId),
      );
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });
});
