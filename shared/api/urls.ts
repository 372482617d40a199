/** URL building for the Management API: tenant-scoped paths, query strings, window times. */

/** `{apiRoot}/api/v1.0/{tenant}/activity/feed/{operation}` */
export function feedUrl(
  apiRoot: string,
  tenantId: string,
  operation: string,
  query: Record<string, string> = {},
): string {
  const url = new URL(`/api/v1.0/${encodeURIComponent(tenantId)}/activity/feed/${operation}`, apiRoot);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.href;
}

/**
 * Adds `PublisherIdentifier` (the quota key: without it, requests share the anonymous publisher's
 * quota) unless the URL already has it in any casing. Appended as text so a server-built
 * NextPageUri keeps its exact query (an opaque `nextPage` token must not be re-encoded).
 */
export function withPublisherIdentifier(url: URL, publisherId: string): URL {
  const has = [...url.searchParams.keys()].some((k) => k.toLowerCase() === 'publisheridentifier');
  if (has) return url;
  const href = url.href;
  const separator = url.search === '' ? (href.endsWith('?') ? '' : '?') : '&';
  return new URL(`${href}${separator}PublisherIdentifier=${encodeURIComponent(publisherId)}`);
}

/**
 * Window bounds in the documented `YYYY-MM-DDTHH:MM:SS` form, UTC, no zone suffix, no fraction
 * (fraction acceptance is unconfirmed). Sub-second parts are cut, consistently for both ends, so
 * adjacent windows still meet exactly.
 */
export function formatApiTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}
