/**
 * Client-side request budget per tenant. The API's quota is tenant-wide (about 2,000 requests a
 * minute, shared by every content type and every caller using the same PublisherIdentifier), so
 * one token bucket per tenant is shared by every call in the process. It only ever waits; it
 * never fails a request. AF429 pauses the whole tenant: `Retry-After` when the server sends one,
 * otherwise exponential back-off with jitter.
 */
import { systemClock, type Clock } from '../clock.js';
import { silentLogger, type Logger } from '../logger.js';

export interface BudgetOptions {
  maxRequestsPerMinute: number;
  clock?: Clock;
  /** Uniform [0, 1); injectable so back-off is deterministic in tests. */
  random?: () => number;
  /** First back-off after AF429 without Retry-After (doubles per consecutive AF429). */
  throttleBaseMs?: number;
  throttleMaxMs?: number;
  logger?: Logger;
}

export interface RequestBudget {
  /** Resolves when one request may be sent (FIFO among waiters). */
  acquire(signal?: AbortSignal): Promise<void>;
  /** An AF429 arrived: pause the tenant. Returns the pause in ms from now. */
  throttled(retryAfterMs?: number): number;
  /** A request was answered without throttling: reset the back-off. */
  succeeded(): void;
  /** Burst size and steady rate, so tests can check the log against the same numbers. */
  readonly capacity: number;
  readonly perMinute: number;
}

/**
 * Bucket sizing: a burst of one second's share, and a refill rate such that burst + one minute of
 * refill stays within `maxRequestsPerMinute` — the limit holds over every sliding minute, not just
 * on average.
 */
export function bucketShape(maxRequestsPerMinute: number): { capacity: number; ratePerMs: number } {
  const capacity = Math.max(1, Math.floor(maxRequestsPerMinute / 60));
  const perMinute = Math.max(maxRequestsPerMinute - capacity, maxRequestsPerMinute / 2);
  return { capacity, ratePerMs: perMinute / 60_000 };
}

export function createRequestBudget(options: BudgetOptions): RequestBudget {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const base = options.throttleBaseMs ?? 2_000;
  const max = options.throttleMaxMs ?? 120_000;
  const logger = options.logger ?? silentLogger;
  const { capacity, ratePerMs } = bucketShape(options.maxRequestsPerMinute);

  let tokens = capacity;
  let updatedAt = clock.now().getTime();
  let pausedUntil = 0;
  let strikes = 0;
  let chain: Promise<void> = Promise.resolve();

  const refill = (now: number) => {
    if (now <= updatedAt) return;
    tokens = Math.min(capacity, tokens + (now - updatedAt) * ratePerMs);
    updatedAt = now;
  };

  const take = async (signal?: AbortSignal) => {
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now().getTime();
      if (now < pausedUntil) {
        await clock.sleep(pausedUntil - now, signal);
        continue;
      }
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await clock.sleep(Math.max(1, Math.ceil((1 - tokens) / ratePerMs)), signal);
    }
  };

  return {
    capacity,
    perMinute: options.maxRequestsPerMinute,
    acquire(signal) {
      const turn = chain.then(() => take(signal));
      chain = turn.catch(() => undefined); // one aborted waiter must not block the others
      return turn;
    },
    throttled(retryAfterMs) {
      const now = clock.now().getTime();
      // Concurrent requests of one storm all report AF429; only a new storm escalates the back-off.
      if (retryAfterMs === undefined && now < pausedUntil) return pausedUntil - now;
      strikes += 1;
      const ceiling = Math.min(max, base * 2 ** (strikes - 1));
      const pause = retryAfterMs ?? Math.round(ceiling / 2 + (random() * ceiling) / 2);
      if (now + pause > pausedUntil) {
        pausedUntil = now + pause;
        // After the pause, one probe request and then the steady rate: no burst into a throttle.
        tokens = Math.min(tokens, 1);
        updatedAt = pausedUntil;
      }
      logger.warn('api.throttled', { pauseMs: pause, strikes, retryAfter: retryAfterMs !== undefined });
      return pause;
    },
    succeeded() {
      strikes = 0;
    },
  };
}

const registry = new Map<string, RequestBudget>();

/**
 * The process-wide budget of a tenant. The first caller's options win: every caller in one process
 * reads the same configuration, and a second bucket would double the real rate.
 */
export function budgetForTenant(tenantId: string, options: BudgetOptions): RequestBudget {
  const key = tenantId.toLowerCase();
  let budget = registry.get(key);
  if (!budget) {
    budget = createRequestBudget(options);
    registry.set(key, budget);
  }
  return budget;
}
