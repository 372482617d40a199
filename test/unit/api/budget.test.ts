import { describe, expect, it } from 'vitest';
import { bucketShape, budgetForTenant, createRequestBudget } from '../../../shared/api/budget.js';
import { FrozenClock } from '../../../shared/clock.js';

const T0 = '2026-01-10T12:00:00Z';

async function issue(
  n: number,
  budget: ReturnType<typeof createRequestBudget>,
  clock: FrozenClock,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await budget.acquire();
    times.push(clock.now().getTime());
  }
  return times;
}

/** Largest number of requests inside any sliding window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('request budget', () => {
  it('never exceeds maxRequestsPerMinute in any sliding minute', async () => {
    for (const rpm of [1, 60, 100, 1500, 2000]) {
      const clock = new FrozenClock(T0);
      const budget = createRequestBudget({ maxRequestsPerMinute: rpm, clock });
      const times = await issue(Math.min(3 * rpm, 4000), budget, clock);
      expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(rpm);
    }
  });

  it('allows a burst of one second and then the steady rate', async () => {
    const clock = new FrozenClock(T0);
    const budget = createRequestBudget({ maxRequestsPerMinute: 1500, clock });
    const { capacity } = bucketShape(1500);
    expect(capacity).toBe(25);
    const times = await issue(25, budget, clock);
    expect(times.every((t) => t === times[0])).toBe(true); // the burst does not wait
    const [next] = await issue(1, budget, clock);
    expect(next! - times[0]!).toBeGreaterThan(0);
  });

  it('waits rather than failing, and serves concurrent callers in order', async () => {
    const clock = new FrozenClock(T0);
    const budget = createRequestBudget({ maxRequestsPerMinute: 60, clock });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => budget.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(clock.now().getTime() - Date.parse(T0)).toBeGreaterThanOrEqual(3 * 1000); // ~1 s apart after the first
  });

  it('honours Retry-After on AF429', async () => {
    const clock = new FrozenClock(T0);
    const budget = createRequestBudget({ maxRequestsPerMinute: 6000, clock });
    expect(budget.throttled(7_000)).toBe(7_000);
    await budget.acquire();
    expect(clock.now().getTime() - Date.parse(T0)).toBe(7_000);
  });

  it('backs off exponentially with jitter without Retry-After, and resets after a success', () => {
    const clock = new FrozenClock(T0);
    const budget = createRequestBudget({
      maxRequestsPerMinute: 6000,
      clock,
      random: () => 1,
      throttleBaseMs: 1000,
      throttleMaxMs: 5000,
    });
    const pauses: number[] = [];
    for (let i = 0; i < 5; i++) {
      pauses.push(budget.throttled());
      clock.advance(pauses.at(-1)!);
    }
    expect(pauses).toEqual([1000, 2000, 4000, 5000, 5000]);
    budget.succeeded();
    expect(budget.throttled()).toBe(1000);
  });

  it('keeps the jittered pause between half and all of the step', () => {
    const clock = new FrozenClock(T0);
    const low = createRequestBudget({
      maxRequestsPerMinute: 60,
      clock,
      random: () => 0,
      throttleBaseMs: 1000,
    });
    expect(low.throttled()).toBe(500);
  });

  it('does not escalate while one storm is still being reported by concurrent requests', () => {
    const clock = new FrozenClock(T0);
    const budget = createRequestBudget({
      maxRequestsPerMinute: 60,
      clock,
      random: () => 1,
      throttleBaseMs: 1000,
    });
    expect(budget.throttled()).toBe(1000);
    clock.advance(100);
    expect(budget.throttled()).toBe(900);
  });

  it('is one bucket per tenant in the process', () => {
    const clock = new FrozenClock(T0);
    const a = budgetForTenant('AAAA-unit-budget', { maxRequestsPerMinute: 60, clock });
    const b = budgetForTenant('aaaa-unit-budget', { maxRequestsPerMinute: 999, clock });
    const c = budgetForTenant('bbbb-unit-budget', { maxRequestsPerMinute: 60, clock });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(b.perMinute).toBe(60);
  });
});
