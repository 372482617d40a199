import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../tools/runner/ncrontab.js';

const next = (expr: string, after: string) => parseSchedule(expr).next(new Date(after)).toISOString();

describe('NCRONTAB schedule', () => {
  it('every five minutes (the default) fires on the next multiple of five', () => {
    expect(next('0 */5 * * * *', '2026-11-20T10:02:30Z')).toBe('2026-11-20T10:05:00.000Z');
    expect(next('0 */5 * * * *', '2026-11-20T10:05:00Z')).toBe('2026-11-20T10:10:00.000Z');
  });

  it('supports lists, ranges, day-of-week and the five-field form', () => {
    expect(next('0 30 9 * * 1-5', '2026-11-21T12:00:00Z')).toBe('2026-11-23T09:30:00.000Z'); // Sat → Mon
    expect(next('15,45 * * * * *', '2026-11-20T10:00:20Z')).toBe('2026-11-20T10:00:45.000Z');
    expect(next('0 0 * * *', '2026-11-20T10:00:00Z')).toBe('2026-11-21T00:00:00.000Z');
  });

  it('rejects malformed expressions', () => {
    expect(() => parseSchedule('0 */5 * * *  * *')).toThrow(/6 fields/);
    expect(() => parseSchedule('0 61 * * * *')).toThrow(/invalid/);
    expect(() => parseSchedule('0 */0 * * * *')).toThrow(/invalid/);
  });
});
