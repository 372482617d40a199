import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/enumerator/enumerate.js';
import type { ContentType } from '../../../shared/content-types.js';
import { ProgressDisplay, RunStats, progressLines } from '../../../tools/runner/progress.js';

function enumeration(types: Array<[ContentType, number]>): RunSummary {
  return {
    startedAt: '2026-11-20T10:00:00Z',
    finishedAt: '2026-11-20T10:00:05Z',
    enqueued: types.reduce((n, [, k]) => n + k, 0),
    eventIdsCleaned: 0,
    ok: true,
    types: types.map(([contentType, n]) => ({
      contentType,
      status: 'ok',
      windowsListed: 2,
      relisted: 0,
      pages: 1,
      itemsListed: n,
      newItems: n,
      alreadyKnown: 0,
      enqueued: n,
      expiredOnListing: 0,
      lostWindows: 0,
      subscriptionStarted: false,
      lagMinutes: 7,
      ledgerRowsCleaned: 0,
    })),
  };
}

const done = (events: number, written: number) => ({
  status: 'done' as const,
  blobPath: 'x',
  counts: {
    events,
    written,
    filtered: events - written,
    masked: 0,
    duplicates: 0,
    crossBlobDuplicates: 0,
    invalid: 0,
  },
});

/** Table row of one content type, split into its columns. */
function row(table: string, ct: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`${ct} `));
  expect(line, table).toBeDefined();
  return line!.trim().split(/\s+/);
}

describe('run progress', () => {
  const fed = () => {
    const stats = new RunStats();
    stats.addEnumeration(
      enumeration([
        ['Audit.Exchange', 12],
        ['DLP.All', 3],
      ]),
    );
    stats.addOutcome('Audit.Exchange', done(40, 35), false, false);
    stats.addOutcome('Audit.Exchange', done(10, 10), false, false);
    stats.addOutcome('Audit.Exchange', undefined, true, false);
    stats.addOutcome('DLP.All', { status: 'failed', reason: 'AF20051' }, false, false);
    return stats;
  };

  it('on a terminal, --once too: the redrawn table carries the per-content-type counts', () => {
    for (const once of [true, false]) {
      const text = new ProgressDisplay(fed(), { tty: true, once }).render()!;
      expect(text.startsWith('\x1b[2J\x1b[H')).toBe(true);
      // content type, windows, listed, enqueued, processed, failed, events, written, filtered, masked, dupes, ev/s, lag
      const ex = row(text, 'Audit.Exchange');
      expect([ex[0], ...ex.slice(1, 11).map(Number), ex[12]]).toEqual([
        'Audit.Exchange',
        2,
        12,
        12,
        2,
        0,
        50,
        45,
        5,
        0,
        0,
        '7',
      ]);
      const dlp = row(text, 'DLP.All');
      expect(dlp.slice(1, 8).map(Number)).toEqual([2, 3, 3, 0, 1, 0, 0]);
      expect(text).toContain('Ctrl-C stops after in-flight work.');
    }
  });

  it('elsewhere: one plain line per content type, written again only when its counts changed', () => {
    const stats = fed();
    expect(progressLines(stats)).toEqual([
      'progress Audit.Exchange: 12 listed, 12 enqueued, 2 processed, 0 failed, 50 events, 45 written',
      'progress DLP.All: 3 listed, 3 enqueued, 0 processed, 1 failed, 0 events, 0 written',
    ]);
    const display = new ProgressDisplay(stats, { tty: false, once: true });
    expect(display.render()).toBe(progressLines(stats).join('\n'));
    expect(display.render()).toBeUndefined();
    stats.addOutcome('DLP.All', done(4, 4), false, false);
    expect(display.render()).toBe(
      'progress DLP.All: 3 listed, 3 enqueued, 1 processed, 1 failed, 4 events, 4 written',
    );
    expect(display.render()).toBeUndefined();
  });
});
