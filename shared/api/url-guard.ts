/**
 * The bearer token only goes to the configured API root, under this tenant's path. `contentUri`
 * (from listings, webhooks and queue messages) and `NextPageUri` (a response header) are data
 * from outside; each is checked here BEFORE any request is made, and refused for good otherwise.
 */
import { ForbiddenUrlError } from '../errors.js';

export type GuardedUrlKind = 'contentUri' | 'NextPageUri' | 'request';

export interface UrlGuard {
  /** The parsed URL when it may carry the token; throws `ForbiddenUrlError` otherwise. */
  check(url: string, kind: GuardedUrlKind): URL;
}

/**
 * Version segments accepted after `/api/`. The reference's NextPageUri example reads
 * `https://manage.office.com/api/v1/{tenant}/…/subscriptions/content?…&nextPage=…` while every
 * other URL uses `v1.0`. Both name the same service on the same origin and tenant, and the
 * token's destination (origin + tenant) is what this guard protects, so both are accepted;
 * refusing `v1` would turn a documented header into a stalled listing.
 */
const API_VERSIONS = new Set(['v1.0', 'v1']);

/** Scheme, then the authority, then the path exactly as written (before any normalisation). */
const RAW_URL = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\\]*)([^?#]*)(\?[^#]*)?(#.*)?$/i;

/**
 * Percent-encodings that could smuggle a separator or a dot segment past a check on the raw path
 * and be decoded by a server or proxy later: `%2e` (.), `%2f` (/), `%5c` (\), `%25` (double
 * encoding), `%00`. Content ids are `[0-9A-Za-z$_-]` in every observed sample, so nothing real is lost.
 */
const ENCODED_TRICK = /%(2e|2f|5c|25|00)/i;

export function createUrlGuard(apiRoot: string, tenantId: string): UrlGuard {
  const root = new URL(apiRoot);
  const tenant = tenantId.toLowerCase();

  const refuse = (kind: GuardedUrlKind, url: string, reason: string): never => {
    throw new ForbiddenUrlError(`${kind} refused (${reason}): ${truncate(url)}`, { tenantId });
  };

  return {
    check(url, kind) {
      if (/[\s\\\p{Cc}]/u.test(url))
        refuse(kind, url, 'contains whitespace, control characters or a backslash');
      const raw = RAW_URL.exec(url);
      if (!raw || !URL.canParse(url)) return refuse(kind, url, 'not an absolute URL');
      const [, , authority = '', rawPath = ''] = raw;
      const parsed = new URL(url);

      if (authority.includes('@') || parsed.username || parsed.password)
        refuse(kind, url, 'carries userinfo');
      if (parsed.protocol !== root.protocol)
        refuse(kind, url, `scheme ${parsed.protocol} is not ${root.protocol}`);
      if (parsed.origin !== root.origin)
        refuse(kind, url, `origin ${parsed.origin} is not the API root ${root.origin}`);
      if (parsed.hash) refuse(kind, url, 'has a fragment');
      if (ENCODED_TRICK.test(rawPath)) refuse(kind, url, 'percent-encoded separator or dot in the path');
      // The WHATWG parser resolves `.`/`..` segments (also `%2e%2e`) and rewrites some characters;
      // anything it changed is something a check on the parsed path would not have seen.
      if (parsed.pathname !== rawPath)
        refuse(kind, url, 'path is not in normal form (dot segments or escapes)');

      const segments = rawPath.split('/');
      // ['', 'api', '<version>', '<tenant>', …rest]
      const [lead, api, version = '', urlTenant = '', ...rest] = segments;
      if (lead !== '' || api !== 'api' || !API_VERSIONS.has(version))
        refuse(kind, url, 'path is not under /api/v1.0/');
      // GUIDs compare case-insensitively; it is the same tenant whatever the casing.
      if (urlTenant.toLowerCase() !== tenant) refuse(kind, url, 'path names another tenant');
      if (rest.length === 0 || rest.some((s) => s === '' || s === '.' || s === '..')) {
        refuse(kind, url, 'path has empty or dot segments after the tenant');
      }
      return parsed;
    },
  };
}

function truncate(url: string): string {
  return url.length > 200 ? `${url.slice(0, 197)}...` : url;
}
