/**
 * Window planning: a pure function of (now, checkpoint, settings).
 *
 * The API filters listings on `contentCreated` with `startTime <= contentCreated < endTime`, windows
 * must be ≤ 24 h and not start more than 7 days back (AF20055). Content can be *listed* late: a blob
 * with an earlier `contentCreated` may appear after later ones were listed, so every run also
 * re-lists the trailing padding before the checkpoint; the ledger makes that re-list free of
 * duplicates.
 */
import type { TimeWindow } from '../api/types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The API refuses start times older than 7 days; keep a margin for clock skew and request latency. */
export const HORIZON_MS = 7 * DAY_MS - 10 * MINUTE_MS;
/** Windows end a little before now: content becoming available this very second is listed next run. */
export const END_LAG_MS = 10_000;
/** The API's own window limit. */
export const MAX_WINDOW_MS = DAY_MS;

export interface PlanSettings {
  initialLookbackHours: number;
  windowMinutes: number;
  paddingMinutes: number;
}

export interface WindowPlan {
  /** Forward windows, contiguous and non-overlapping, from the checkpoint (or look-back) to now − lag. */
  windows: TimeWindow[];
  /** Trailing re-list `[listedThrough − padding, listedThrough)`, clamped to the horizon. */
  relist?: TimeWindow;
  /** A range that fell off the 7-day horizon before it was listed: lost, and must be reported. */
  lost?: TimeWindow;
  horizon: Date;
}

export function planWindows(now: Date, listedThrough: Date | undefined, settings: PlanSettings): WindowPlan {
  const nowMs = now.getTime();
  // Every boundary is a whole second: the API takes times to the second, so a sub-second window
  // would reach it as start == end (AF20055), and truncation must not shift windows apart.
  const horizonMs = Math.ceil((nowMs - HORIZON_MS) / 1000) * 1000;
  const endMs = Math.floor((nowMs - END_LAG_MS) / 1000) * 1000;
  const windowMs = Math.min(settings.windowMinutes * MINUTE_MS, MAX_WINDOW_MS);

  const checkpointMs =
    listedThrough === undefined ? undefined : Math.floor(listedThrough.getTime() / 1000) * 1000;
  const desiredStart =
    checkpointMs ?? Math.floor((nowMs - settings.initialLookbackHours * HOUR_MS) / 1000) * 1000;
  const startMs = Math.max(desiredStart, horizonMs);

  const plan: WindowPlan = { windows: [], horizon: new Date(horizonMs) };
  if (checkpointMs !== undefined && checkpointMs < horizonMs) {
    plan.lost = { start: new Date(checkpointMs), end: new Date(horizonMs) };
  }
  for (let s = startMs; s < endMs; s += windowMs) {
    plan.windows.push({ start: new Date(s), end: new Date(Math.min(s + windowMs, endMs)) });
  }
  if (checkpointMs !== undefined && settings.paddingMinutes > 0) {
    const relistStart = Math.max(checkpointMs - settings.paddingMinutes * MINUTE_MS, horizonMs);
    const relistEnd = Math.min(checkpointMs, endMs);
    if (relistStart < relistEnd) plan.relist = { start: new Date(relistStart), end: new Date(relistEnd) };
  }
  return plan;
}

/** Split a window into pieces of at most `maxMs` (a re-list longer than 24 h must still obey the API). */
export function splitWindow(window: TimeWindow, maxMs: number = MAX_WINDOW_MS): TimeWindow[] {
  const out: TimeWindow[] = [];
  for (let s = window.start.getTime(); s < window.end.getTime(); s += maxMs) {
    out.push({ start: new Date(s), end: new Date(Math.min(s + maxMs, window.end.getTime())) });
  }
  return out;
}
