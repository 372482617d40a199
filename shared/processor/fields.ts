/**
 * Tolerant readers for single audit-record fields (reference §12.1, §13.7): numbers sent as
 * strings, times without a zone, client IPs with ports and brackets, JSON sent as text. Each
 * returns the value or a problem description; none throws.
 */
import { isIP } from 'node:net';

export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const bad = <T>(problem: string): Read<T> => ({ ok: false, problem });

/** Short rendering of a bad value for an error message (never the whole of a big value). */
export function show(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** An integer, or a string holding one (`"40"`); absent (undefined/null) reads as null. */
export function readInt(value: unknown): Read<number | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return ok(value);
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return ok(Number(value.trim()));
  return bad(`is not an integer: ${show(value)}`);
}

/** A string; numbers and booleans are stringified, absent reads as null, objects are a problem. */
export function readText(value: unknown): Read<string | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value === 'string') return ok(value);
  if (typeof value === 'number' || typeof value === 'boolean') return ok(String(value));
  return bad(`is not text: ${show(value)}`);
}

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * CreationTime as ISO-8601 UTC with Z. The wire format has no zone (`2015-06-29T20:03:19`) and is
 * UTC; `Z` and explicit offsets are honoured. Fractions beyond milliseconds are truncated.
 */
export function readTime(value: unknown): Read<string | null> {
  if (value === undefined || value === null) return bad('is missing');
  if (typeof value !== 'string') return bad(`is not a date-time: ${show(value)}`);
  const m = TIME.exec(value.trim());
  if (!m) return bad(`is not a date-time: ${show(value)}`);
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  const [year, month, day, hour, minute, second] = parts;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const probe = new Date(local);
  // Date.UTC rolls 2024-02-30 over to March; a calendar-invalid date is an error, not a guess.
  if (
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    year < 1970
  ) {
    return bad(`is not a valid date-time: ${show(value)}`);
  }
  return ok(new Date(local - offsetMinutes * 60_000).toISOString());
}

/**
 * Client address without port or brackets: `1.2.3.4:5678` → `1.2.3.4`, `[2001:db8::1]:443` →
 * `2001:db8::1`. Absent or blank (Entra records send null) → null without a problem.
 */
export function readClientIp(value: unknown): Read<string | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value !== 'string') return bad(`is not an IP address: ${show(value)}`);
  const s = value.trim();
  if (s === '') return ok(null);
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) {
    const inner = bracketed[1]!;
    return isIP(inner) === 6 ? ok(inner) : bad(`is not an IP address: ${show(value)}`);
  }
  if (isIP(s) !== 0) return ok(s);
  const v4port = /^([\d.]+):\d{1,5}$/.exec(s);
  if (v4port && isIP(v4port[1]!) === 4) return ok(v4port[1]!);
  return bad(`is not an IP address: ${show(value)}`);
}

/** A value that may be JSON sent as text (`Data`, `ExceptionInfo`): parsed if text, as-is otherwise. */
export function readJsonish(value: unknown): Read<unknown> {
  if (typeof value !== 'string') return ok(value);
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return ok(value);
  try {
    return ok(JSON.parse(t) as unknown);
  } catch (err) {
    return bad(`is not valid JSON text (${(err as Error).message})`);
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
