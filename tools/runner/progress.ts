/**
 * Live counters of a local run, per content type, and their rendering: a redrawn table on a
 * terminal, plain lines otherwise.
 */
import type { RunSummary } from '../../shared/enumerator/enumerate.js';
import type { ProcessOutcome } from '../../shared/processor/process-content.js';

export interface TypeStats {
  windows: number;
  listed: number;
  enqueued: number;
  processed: number;
  failedAttempts: number;
  failed: number;
  expired: number;
  poisoned: number;
  events: number;
  written: number;
  filtered: number;
  masked: number;
  duplicates: number;
  lagMinutes?: number;
}

const empty = (): TypeStats => ({
  windows: 0,
  listed: 0,
  enqueued: 0,
  processed: 0,
  failedAttempts: 0,
  failed: 0,
  expired: 0,
  poisoned: 0,
  events: 0,
  written: 0,
  filtered: 0,
  masked: 0,
  duplicates: 0,
});

export class RunStats {
  readonly byType = new Map<string, TypeStats>();
  readonly startedAt = Date.now();
  rejected = 0;
  enumerations = 0;
  enumerationErrors: string[] = [];

  private get(ct: string): TypeStats {
    let s = this.byType.get(ct);
    if (!s) this.byType.set(ct, (s = empty()));
    return s;
  }

  addEnumeration(summary: RunSummary): void {
    this.enumerations += 1;
    for (const t of summary.types) {
      const s = this.get(t.contentType);
      s.windows += t.windowsListed;
      s.listed += t.itemsListed;
      s.enqueued += t.enqueued;
      s.lagMinutes = t.lagMinutes;
      if (t.status === 'error' && t.error) this.enumerationErrors.push(`${t.contentType}: ${t.error}`);
    }
  }

  addOutcome(
    contentType: string | undefined,
    outcome: ProcessOutcome | undefined,
    failed: boolean,
    poisoned: boolean,
  ): void {
    if (!contentType) {
      if (outcome?.status === 'rejected' || poisoned) this.rejected += 1;
      return;
    }
    const s = this.get(contentType);
    if (poisoned) s.poisoned += 1;
    if (failed) {
      s.failedAttempts += 1;
      return;
    }
    if (!outcome) return;
    if (outcome.status === 'done') {
      s.processed += 1;
      s.events += outcome.counts.events;
      s.written += outcome.counts.written;
      s.filtered += outcome.counts.filtered;
      s.masked += outcome.counts.masked;
      s.duplicates += outcome.counts.duplicates + outcome.counts.crossBlobDuplicates;
    } else if (outcome.status === 'failed') s.failed += 1;
    else if (outcome.status === 'expired') s.expired += 1;
    else if (outcome.status === 'rejected') this.rejected += 1;
  }

  totals(): TypeStats {
    const t = empty();
    for (const s of this.byType.values())
      for (const k of Object.keys(t) as Array<keyof TypeStats>)
        if (k !== 'lagMinutes') t[k] = (t[k] ?? 0) + (s[k] ?? 0);
    return t;
  }

  table(): string {
    const secs = Math.max(1, (Date.now() - this.startedAt) / 1000);
    const header =
      'content type                 windows  listed  enqueued  processed  failed  events  written  filtered  masked  dupes   ev/s  lag(min)';
    const rows = [...this.byType.entries()]
      .sort()
      .map(([ct, s]) =>
        [
          ct.padEnd(28),
          String(s.windows).padStart(7),
          String(s.listed).padStart(7),
          String(s.enqueued).padStart(9),
          String(s.processed).padStart(10),
          String(s.failed + s.poisoned).padStart(7),
          String(s.events).padStart(7),
          String(s.written).padStart(8),
          String(s.filtered).padStart(9),
          String(s.masked).padStart(7),
          String(s.duplicates).padStart(6),
          String(Math.round(s.events / secs)).padStart(6),
          String(s.lagMinutes ?? '-').padStart(9),
        ].join(' '),
      );
    return [header, ...rows].join('\n');
  }
}

/** One plain line per content type: for logs and pipes, where a redrawn table would be noise. */
export function progressLines(stats: RunStats): string[] {
  return [...stats.byType.entries()]
    .sort()
    .map(
      ([ct, s]) =>
        `progress ${ct}: ${s.listed} listed, ${s.enqueued} enqueued, ${s.processed} processed, ` +
        `${s.failed + s.poisoned} failed, ${s.events} events, ${s.written} written`,
    );
}

/**
 * What a run shows while it works (`run` and `run --once` alike): on a terminal the table,
 * redrawn in place; otherwise the plain line of each content type whose counts changed.
 */
export class ProgressDisplay {
  private readonly shown = new Map<string, string>();
  constructor(
    private readonly stats: RunStats,
    private readonly o: { tty: boolean; once: boolean },
  ) {}

  /** The text to write now, or undefined when nothing changed (plain lines only). */
  render(): string | undefined {
    if (this.o.tty) {
      const footer = this.o.once
        ? 'One enumeration, then until the queue is drained; Ctrl-C stops after in-flight work.'
        : 'Ctrl-C stops after in-flight work.';
      return `\x1b[2J\x1b[H${this.stats.table()}\n\n${footer}`;
    }
    const changed: string[] = [];
    for (const line of progressLines(this.stats)) {
      const ct = line.slice('progress '.length, line.indexOf(':'));
      if (this.shown.get(ct) === line) continue;
      this.shown.set(ct, line);
      changed.push(line);
    }
    return changed.length > 0 ? changed.join('\n') : undefined;
  }
}
