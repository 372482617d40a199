/**
 * The time-window rules of subscriptions/content and /notifications: both or neither, at most 24
 * hours apart, start before end, start no more than 7 days in the past (the service tolerates a
 * little more; Beats observed 7 d + 1 h). Omitted times mean the 24 hours before now.
 */
import { AfError } from './af-errors.js';
import { DAY, HOUR, parseApiTime } from './time.js';

export interface Window {
  startMs: number;
  endMs: number;
  /** As they go into a NextPageUri. */
  startRaw: string;
  endRaw: string;
}

export function resolveWindow(
  startRaw: string | undefined,
  endRaw: string | undefined,
  nowMs: number,
  toleranceMs: number,
): { window?: Window; error?: AfError; violations: string[] } {
  const violations: string[] = [];
  if (startRaw === undefined && endRaw === undefined) {
    const end = Math.floor(nowMs / 1000) * 1000;
    const iso = (t: number) => new Date(t).toISOString().slice(0, 19);
    return {
      window: { startMs: end - DAY, endMs: end, startRaw: iso(end - DAY), endRaw: iso(end) },
      violations,
    };
  }
  if (startRaw === undefined || endRaw === undefined) return { error: new AfError('AF20055'), violations };
  const start = parseApiTime(startRaw);
  if (!start) return { error: new AfError('AF20002', ['startTime', 'datetime']), violations };
  const end = parseApiTime(endRaw);
  if (!end) return { error: new AfError('AF20002', ['endTime', 'datetime']), violations };
  const startMs = start.getTime();
  const endMs = end.getTime();
  if (endMs - startMs > DAY) violations.push('window>24h');
  if (startMs < nowMs - 7 * DAY) violations.push('window>7d');
  if (startMs >= endMs || endMs - startMs > DAY || startMs < nowMs - 7 * DAY - toleranceMs) {
    return { error: new AfError('AF20055'), violations };
  }
  return { window: { startMs, endMs, startRaw, endRaw }, violations };
}

export const DEFAULT_LOOKBACK_TOLERANCE_MS = HOUR;
