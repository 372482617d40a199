import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  END_LAG_MS,
  HORIZON_MS,
  HOUR_MS,
  MINUTE_MS,
  planWindows,
  splitWindow,
} from '../../shared/enumerator/windows.js';

const now = new Date('2026-11-20T12:00:00.000Z');
const settings = { initialLookbackHours: 8, windowMinutes: 240, paddingMinutes: 60 };
const iso = (d: Date) => d.toISOString();

describe('planWindows', () => {
  it('first run: looks back O365_INITIAL_LOOKBACK_HOURS in windows of O365_WINDOW_MINUTES up to now minus the lag', () => {
    const plan = planWindows(now, undefined, settings);
    expect(plan.windows.map((w) => [iso(w.start), iso(w.end)])).toEqual([
      ['2026-11-20T04:00:00.000Z', '2026-11-20T08:00:00.000Z'],
      ['2026-11-20T08:00:00.000Z', '2026-11-20T11:59:50.000Z'],
    ]);
    expect(plan.relist).toBeUndefined();
    expect(plan.lost).toBeUndefined();
  });

  it('steady state: one short window from the checkpoint plus the trailing re-list', () => {
    const listedThrough = new Date(now.getTime() - 5 * MINUTE_MS - END_LAG_MS);
    const plan = planWindows(now, listedThrough, settings);
    expect(plan.windows).toHaveLength(1);
    expect(plan.windows[0]!.start).toEqual(listedThrough);
    expect(plan.windows[0]!.end.getTime()).toBe(now.getTime() - END_LAG_MS);
    expect(plan.relist).toEqual({
      start: new Date(listedThrough.getTime() - 60 * MINUTE_MS),
      end: listedThrough,
    });
  });

  it('nothing to list when the checkpoint is already at now minus the lag', () => {
    const plan = planWindows(now, new Date(now.getTime() - END_LAG_MS), settings);
    expect(plan.windows).toEqual([]);
    expect(plan.relist).toBeDefined();
  });

  it('long outage past 7 days: records the lost range and starts at the horizon', () => {
    const listedThrough = new Date(now.getTime() - 9 * DAY_MS);
    const plan = planWindows(now, listedThrough, settings);
    expect(plan.lost).toEqual({ start: listedThrough, end: new Date(now.getTime() - HORIZON_MS) });
    expect(plan.windows[0]!.start.getTime()).toBe(now.getTime() - HORIZON_MS);
    // The re-list is clamped to the horizon too, so it is empty here.
    expect(plan.relist).toBeUndefined();
  });

  it('never plans a window longer than 24 h, even when asked for more', () => {
    const plan = planWindows(now, new Date(now.getTime() - 3 * DAY_MS), { ...settings, windowMinutes: 5000 });
    expect(plan.windows).toHaveLength(3);
    for (const w of plan.windows) expect(w.end.getTime() - w.start.getTime()).toBeLessThanOrEqual(DAY_MS);
  });

  it('aligns every boundary to whole seconds, so two runs within one second plan no empty window', () => {
    const t = new Date('2026-11-20T12:00:00.400Z');
    const first = planWindows(t, undefined, settings);
    for (const w of first.windows) {
      expect(w.start.getTime() % 1000).toBe(0);
      expect(w.end.getTime() % 1000).toBe(0);
    }
    const checkpoint = first.windows.at(-1)!.end;
    const again = planWindows(new Date(t.getTime() + 500), checkpoint, settings);
    expect(again.windows).toEqual([]);
    expect(again.relist!.end).toEqual(checkpoint);
  });

  it('padding 0 disables the re-list', () => {
    expect(
      planWindows(now, new Date(now.getTime() - HOUR_MS), { ...settings, paddingMinutes: 0 }).relist,
    ).toBeUndefined();
  });

  it('property: windows are contiguous, non-overlapping, ≤ 24 h, inside [horizon, now − lag], and cover the range', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 10 * 24 * 60 }), { nil: undefined }),
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: 1, max: 167 }),
        fc.integer({ min: 0, max: 1440 }),
        (ageMinutes, windowMinutes, initialLookbackHours, paddingMinutes) => {
          const listedThrough =
            ageMinutes === undefined ? undefined : new Date(now.getTime() - ageMinutes * MINUTE_MS);
          const plan = planWindows(now, listedThrough, {
            windowMinutes,
            initialLookbackHours,
            paddingMinutes,
          });
          const horizon = now.getTime() - HORIZON_MS;
          const end = now.getTime() - END_LAG_MS;
          plan.windows.forEach((w, i) => {
            expect(w.start.getTime()).toBeLessThan(w.end.getTime());
            expect(w.end.getTime() - w.start.getTime()).toBeLessThanOrEqual(
              Math.min(windowMinutes * MINUTE_MS, DAY_MS),
            );
            expect(w.start.getTime()).toBeGreaterThanOrEqual(horizon);
            expect(w.end.getTime()).toBeLessThanOrEqual(end);
            if (i > 0) expect(w.start).toEqual(plan.windows[i - 1]!.end);
          });
          if (plan.windows.length > 0) {
            const expectedStart = Math.max(
              listedThrough?.getTime() ?? now.getTime() - initialLookbackHours * HOUR_MS,
              horizon,
            );
            expect(plan.windows[0]!.start.getTime()).toBe(expectedStart);
            expect(plan.windows.at(-1)!.end.getTime()).toBe(end);
          }
          if (plan.relist) {
            expect(plan.relist.start.getTime()).toBeGreaterThanOrEqual(horizon);
            expect(plan.relist.end.getTime() - plan.relist.start.getTime()).toBeLessThanOrEqual(
              paddingMinutes * MINUTE_MS,
            );
          }
          expect(plan.lost !== undefined).toBe(
            listedThrough !== undefined && listedThrough.getTime() < horizon,
          );
        },
      ),
    );
  });
});

describe('splitWindow', () => {
  it('splits into ≤ 24 h pieces covering the window exactly', () => {
    const pieces = splitWindow({ start: new Date(0), end: new Date(2.5 * DAY_MS) });
    expect(pieces.map((p) => p.end.getTime() - p.start.getTime())).toEqual([DAY_MS, DAY_MS, DAY_MS / 2]);
  });
});
