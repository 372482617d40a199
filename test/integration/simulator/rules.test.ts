/** The simulator's pure rules: API time formats, the window rules and nextPage tokens. */
import { describe, expect, it } from 'vitest';
import { pageOffset, pageToken } from '../../../tools/simulator/routes/paging.js';
import { contentIdStamp, parseApiTime, parseContentIdStamp } from '../../../tools/simulator/time.js';
import { resolveWindow } from '../../../tools/simulator/window.js';

const NOW = Date.parse('2026-06-10T12:00:00Z');
const HOUR = 3600_000;

describe('API time formats', () => {
  it.each([
    ['2026-06-10', '2026-06-10T00:00:00.000Z'],
    ['2026-06-10T07:05', '2026-06-10T07:05:00.000Z'],
    ['2026-06-10T07:05:09', '2026-06-10T07:05:09.000Z'],
    ['2026-06-10T07:05:09Z', '2026-06-10T07:05:09.000Z'],
    ['2026-06-10T07:05:09.1234567Z', '2026-06-10T07:05:09.123Z'],
    ['2026-06-10T09:05:09+02:00', '2026-06-10T07:05:09.000Z'],
  ])('reads %s as UTC', (text, iso) => {
    expect(parseApiTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['2026-02-30', '2026-06-10T24:00', '2026-06-10T07:60', '10/06/2026', 'now', ''])(
    'refuses %s',
    (text) => {
      expect(parseApiTime(text)).toBeUndefined();
    },
  );

  it('round-trips contentId timestamps with 7 fraction digits', () => {
    const t = Date.parse('2026-06-10T07:05:09.123Z');
    const stamp = contentIdStamp(t, 4567);
    expect(stamp).toBe('202606100705091234567');
    expect(parseContentIdStamp(stamp)).toBe(t);
  });
});

describe('window rules', () => {
  const iso = (t: number) => new Date(t).toISOString().slice(0, 19);
  it('allows exactly 24 hours and a start exactly 7 days back', () => {
    expect(resolveWindow(iso(NOW - 24 * HOUR), iso(NOW), NOW, HOUR).window).toBeDefined();
    const sevenDays = resolveWindow(iso(NOW - 168 * HOUR), iso(NOW - 150 * HOUR), NOW, HOUR);
    expect(sevenDays.window).toBeDefined();
    expect(sevenDays.violations).toEqual([]);
  });

  it('flags and refuses a window one second too long', () => {
    const r = resolveWindow(iso(NOW - 24 * HOUR - 1000), iso(NOW), NOW, HOUR);
    expect(r.error?.code).toBe('AF20055');
    expect(r.violations).toEqual(['window>24h']);
  });

  it('tolerates, but flags, a start up to the tolerance beyond 7 days; refuses beyond it', () => {
    const within = resolveWindow(iso(NOW - 168 * HOUR - 30 * 60_000), iso(NOW - 150 * HOUR), NOW, HOUR);
    expect(within.window).toBeDefined();
    expect(within.violations).toEqual(['window>7d']);
    const beyond = resolveWindow(iso(NOW - 169 * HOUR - 1000), iso(NOW - 150 * HOUR), NOW, HOUR);
    expect(beyond.error?.code).toBe('AF20055');
  });

  it('allows windows in the future', () => {
    expect(resolveWindow(iso(NOW + 48 * HOUR), iso(NOW + 50 * HOUR), NOW, HOUR).window).toBeDefined();
  });
});

describe('nextPage tokens', () => {
  it('give back their offset only for the same query', () => {
    const token = pageToken(1, 'scope', NOW - HOUR, NOW, 300);
    expect(pageOffset(1, 'scope', NOW - HOUR, NOW, token)).toBe(300);
    expect(pageOffset(1, 'other', NOW - HOUR, NOW, token)).toBeUndefined();
    expect(pageOffset(2, 'scope', NOW - HOUR, NOW, token)).toBeUndefined();
    expect(pageOffset(1, 'scope', NOW - HOUR, NOW, token.replace(/R\d{7}/, 'R0000400'))).toBeUndefined();
  });
});
