/**
 * The API's request quota (reference §7): per tenant and PublisherIdentifier, about 2,000
 * requests a minute; requests without a PublisherIdentifier are throttled as publisher
 * 00000000-0000-0000-0000-000000000000, one pool shared by every tenant. A sliding 60 s window
 * of admitted requests, on a monotonic clock of real arrival times (a quota limits request rate,
 * which a simulated clock that is frozen or jumps would not measure). No PRNG draws.
 */

export const ANONYMOUS_PUBLISHER = '00000000-0000-0000-0000-000000000000';
/** Baseline tenant quota of the current docs (reference §7). */
export const DEFAULT_QUOTA_PER_MINUTE = 2000;
const WINDOW_MS = 60_000;

export interface QuotaOptions {
  perMinute: number;
  /** The shared pool of requests without PublisherIdentifier. */
  anonymousPerMinute: number;
  /** Monotonic milliseconds. */
  now: () => number;
}

export interface QuotaDecision {
  admitted: boolean;
  /** Publisher the request was counted against (the anonymous id when none was sent). */
  publisher: string;
  limit: number;
}

/** Admitted request times of one pool, oldest first. */
class Window {
  private times: number[] = [];
  private head = 0;

  count(now: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export class PublisherQuota {
  private readonly pools = new Map<string, Window>();

  constructor(private readonly opts: QuotaOptions) {}

  /** Counts the request if its pool has room in the last 60 s; over quota → not admitted, not counted. */
  admit(tenantId: string, publisherIdentifier: string | undefined): QuotaDecision {
    const publisher = (publisherIdentifier ?? '').trim().toLowerCase() || ANONYMOUS_PUBLISHER;
    const anonymous = publisher === ANONYMOUS_PUBLISHER;
    const key = anonymous ? ANONYMOUS_PUBLISHER : `${tenantId.toLowerCase()}|${publisher}`;
    const limit = anonymous ? this.opts.anonymousPerMinute : this.opts.perMinute;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Window();
      this.pools.set(key, pool);
    }
    const now = this.opts.now();
    if (pool.count(now) >= limit) return { admitted: false, publisher, limit };
    pool.add(now);
    return { admitted: true, publisher, limit };
  }
}
