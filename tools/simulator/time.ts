/** Time formats of the Management Activity API: what it accepts and what it writes. */

const HOUR_MS = 3_600_000;
export const HOUR = HOUR_MS;
export const DAY = 24 * HOUR_MS;

/**
 * The documented formats are `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` and `YYYY-MM-DDTHH:MM:SS`; clients
 * also send a trailing `Z`, fractions and RFC 3339 offsets, which the service tolerates. Zone-less
 * values are UTC. Returns undefined for anything else.
 */
const API_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export function parseApiTime(value: string): Date | undefined {
  const m = API_TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return undefined;
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(t);
}

/** `2015-06-29T20:03:19` — the zone-less wire format of `CreationTime`. */
export function zoneless(t: Date | number): string {
  return new Date(t).toISOString().slice(0, 19);
}

/** `yyyyMMddHHmmss` + 7 fraction digits, the timestamp halves of a contentId. */
export function contentIdStamp(t: Date | number, subMs: number): string {
  const iso = new Date(t).toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  return `${digits}${iso.slice(20, 23)}${String(subMs % 10000).padStart(4, '0')}`;
}

export function parseContentIdStamp(stamp: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})\d{4}$/.exec(stamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms));
}

export function hourOf(t: number): number {
  return Math.floor(t / HOUR_MS);
}
