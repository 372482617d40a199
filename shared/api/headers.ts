/** Response headers the client acts on. Names are compared case-insensitively (`Headers.get`). */

interface HeaderBag {
  get(name: string): string | null;
}

/**
 * The next page of a listing. The reference names it `NextPageUri`; the troubleshooting page
 * still says `NextPageUrl` (MicrosoftDocs/office-365-management-api#7), so both are read.
 */
export function nextPageUri(headers: HeaderBag): string | undefined {
  const value = headers.get('NextPageUri') ?? headers.get('NextPageUrl');
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * `Retry-After` in milliseconds from `now`: delta-seconds or an HTTP date. Negative or unparsable
 * values give `undefined` (fall back to our own back-off); a date in the past gives 0.
 */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** The server's `Date` header (RFC 7231 IMF-fixdate), for clock-skew checks. */
export function serverDate(headers: HeaderBag): Date | undefined {
  const v = headers.get('Date');
  if (!v) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : new Date(at);
}
