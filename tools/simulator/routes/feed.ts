/**
 * `/api/v1.0/{tenant}/activity/feed/...`: token checks, subscriptions, content listing with the
 * time-window rules and pagination, blob retrieval, notifications and dlpSensitiveTypes.
 */
import { isContentType, type ContentType } from '../../../shared/content-types.js';
import { AfError } from '../af-errors.js';
import type { AccessClaims, EntraService } from '../entra.js';
import type { FaultInjector } from '../faults.js';
import type { BlobMeta, ContentCatalog } from '../generator/catalog.js';
import { withoutDetections } from '../generator/dlp.js';
import { DLP_SENSITIVE_TYPES } from '../generator/values.js';
import type { Subscriptions, Webhook } from '../subscriptions.js';
import type { TenantRecord } from '../tenants.js';
import type { RequestKind, RequestLogEntry, SimClock } from '../types.js';
import type { WebhookSender } from '../webhooks.js';
import { resolveWindow } from '../window.js';
import { pageOffset, pageToken } from './paging.js';
import { DENIED, afReply, methodNotAllowed, notFound, type Reply } from './reply.js';

export interface FeedDeps {
  seed: number;
  clock: SimClock;
  tenants: readonly TenantRecord[];
  catalog: ContentCatalog;
  subs: Subscriptions;
  entra: EntraService;
  faults: FaultInjector;
  apiRoot: () => string;
  webhooks: WebhookSender;
  pageSize: number;
  toleranceMs: number;
}

export interface FeedRequest {
  method: string;
  url: URL;
  /** Path after `/activity/feed/`. */
  op: string;
  kind: RequestKind;
  tenantId: string;
  query: Map<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  entry: RequestLogEntry;
}

const ROUTES: Record<string, { method: string; kind: RequestKind }> = {
  'subscriptions/start': { method: 'POST', kind: 'start' },
  'subscriptions/stop': { method: 'POST', kind: 'stop' },
  'subscriptions/list': { method: 'GET', kind: 'list' },
  'subscriptions/content': { method: 'GET', kind: 'content' },
  'subscriptions/notifications': { method: 'GET', kind: 'notifications' },
  'resources/dlpSensitiveTypes': { method: 'GET', kind: 'dlpSensitiveTypes' },
};

export function feedKind(op: string): RequestKind {
  if (op.startsWith('audit/')) return 'blob';
  return ROUTES[op]?.kind ?? 'other';
}

export function contentItem(meta: BlobMeta, apiRoot: string): Record<string, string> {
  return {
    contentType: meta.contentType,
    contentId: meta.contentId,
    contentUri: `${apiRoot}/api/v1.0/${meta.tenant.tenant.tenantId}/activity/feed/audit/${meta.contentId}`,
    contentCreated: new Date(meta.createdMs).toISOString(),
    contentExpiration: new Date(meta.expirationMs).toISOString(),
  };
}

function authorize(d: FeedDeps, r: FeedRequest): { claims: AccessClaims } | { reply: Reply } {
  const header = r.headers.authorization;
  const auth = Array.isArray(header) ? header[0] : header;
  if (!auth) {
    r.entry.violations.push('tokenMissing');
    return { reply: DENIED };
  }
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  const claims = m?.[1]
    ? d.entra.verifyAccessToken(m[1], d.faults.current.revokeTokensIssuedBefore)
    : undefined;
  if (!claims) return { reply: DENIED };
  if (d.faults.revoked(r.kind)) {
    r.entry.fault = 'revokedToken';
    return { reply: DENIED };
  }
  if (claims.tid !== r.tenantId.toLowerCase()) {
    r.entry.violations.push('tokenOtherTenant');
    return { reply: afReply(new AfError('AF20010', [r.tenantId, claims.tid])) };
  }
  const perms = claims.scp ? claims.scp.split(' ') : claims.roles;
  if (!perms.includes('ActivityFeed.Read')) {
    return { reply: afReply(new AfError('AF10001', [perms.join(',')])) };
  }
  return { claims };
}

export function handleFeed(d: FeedDeps, r: FeedRequest): Reply | Promise<Reply> {
  const publisher = r.query.get('publisheridentifier');
  if (publisher) r.entry.publisherIdentifier = publisher;
  else r.entry.violations.push('noPublisherIdentifier');

  const auth = authorize(d, r);
  if ('reply' in auth) return auth.reply;
  const tenant = d.tenants.find((t) => t.tenant.tenantId === r.tenantId.toLowerCase());
  if (!tenant) {
    r.entry.violations.push('tokenOtherTenant');
    return afReply(new AfError('AF20010', [r.tenantId, auth.claims.tid]));
  }

  if (r.kind === 'blob') {
    if (r.method !== 'GET') return methodNotAllowed(r.method);
    const raw = r.op.slice('audit/'.length);
    let contentId: string;
    try {
      contentId = decodeURIComponent(raw);
    } catch {
      return afReply(new AfError('AF20052', [raw]));
    }
    return getBlob(d, r, tenant, auth.claims, contentId);
  }
  const route = ROUTES[r.op];
  if (!route) return notFound(r.url.pathname + r.url.search);
  if (route.method !== r.method) return methodNotAllowed(r.method);
  switch (r.kind) {
    case 'list':
      return { status: 200, body: d.subs.list(tenant.tenant.tenantId).map(subscriptionView) };
    case 'dlpSensitiveTypes':
      return dlpSensitiveTypes(r);
    default:
      break;
  }
  const ct = r.query.get('contenttype');
  if (ct === undefined || ct === '') return afReply(new AfError('AF20001', ['contentType']));
  if (!isContentType(ct)) return afReply(new AfError('AF20020'));
  r.entry.contentType = ct;
  if (r.kind === 'start') return start(d, r, tenant, ct);
  if (r.kind === 'stop') {
    const stopped = d.subs.stop(tenant.tenant.tenantId, ct, d.clock.now().getTime());
    return stopped ? { status: 200 } : afReply(new AfError('AF20022'));
  }
  return listing(d, r, tenant, ct);
}

function subscriptionView(s: { contentType: string; status: string; webhook: Webhook | null }) {
  return {
    contentType: s.contentType,
    status: s.status,
    webhook: s.webhook ? { status: 'enabled', ...s.webhook } : null,
  };
}

async function start(d: FeedDeps, r: FeedRequest, tenant: TenantRecord, ct: ContentType): Promise<Reply> {
  let webhook: Webhook | null | undefined;
  if (r.body.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      return afReply(new AfError('AF20002', ['webhook', 'object']));
    }
    const w = (parsed as { webhook?: unknown } | null)?.webhook;
    if (w !== undefined && w !== null) {
      const o = w as Record<string, unknown>;
      const address = typeof o.address === 'string' ? o.address : '';
      if (!address) return afReply(new AfError('AF20001', ['address']));
      const problem = d.webhooks.addressProblem(address);
      if (problem) return afReply(new AfError('AF20021', [address, problem]));
      const expiration = typeof o.expiration === 'string' && o.expiration !== '' ? o.expiration : null;
      webhook = { address, ...(typeof o.authId === 'string' ? { authId: o.authId } : {}), expiration };
    } else if (w === null) {
      webhook = null;
    }
  }
  const current = d.subs.get(tenant.tenant.tenantId, ct);
  if (webhook && JSON.stringify(webhook) !== JSON.stringify(current?.webhook ?? null)) {
    // The service validates a new webhook before it creates the subscription or adds the webhook.
    const failure = await d.webhooks.validate(tenant.tenant.tenantId, ct, webhook);
    if (failure) return afReply(new AfError('AF20021', [webhook.address, failure]));
  }
  const outcome = d.subs.start(tenant.tenant.tenantId, ct, webhook, d.clock.now().getTime());
  if (outcome === 'unchanged') return afReply(new AfError('AF20024'));
  const sub = d.subs.get(tenant.tenant.tenantId, ct);
  return { status: 200, body: sub ? subscriptionView(sub) : undefined };
}

function listing(d: FeedDeps, r: FeedRequest, tenant: TenantRecord, ct: ContentType): Reply {
  const sub = d.subs.get(tenant.tenant.tenantId, ct);
  if (!sub) return afReply(new AfError('AF20022'));
  if (sub.status !== 'enabled') return afReply(new AfError('AF20023', [sub.disabledBy ?? 'a tenant admin']));
  const nowMs = d.clock.now().getTime();
  const startRaw = r.query.get('starttime');
  const endRaw = r.query.get('endtime');
  if (startRaw !== undefined) r.entry.startTime = startRaw;
  if (endRaw !== undefined) r.entry.endTime = endRaw;
  const resolved = resolveWindow(startRaw, endRaw, nowMs, d.toleranceMs);
  r.entry.violations.push(...resolved.violations);
  if (!resolved.window) return afReply(resolved.error ?? new AfError('AF20055'));
  const w = resolved.window;
  const scope = `${tenant.tenant.tenantId}|${ct}|${r.kind}`;
  const nextPage = r.query.get('nextpage');
  let offset = 0;
  if (nextPage !== undefined) {
    if (d.faults.staleNextPage(r.kind)) {
      r.entry.fault = 'staleNextPage';
      return afReply(new AfError('AF20031', [nextPage]));
    }
    const o = pageOffset(d.seed, scope, w.startMs, w.endMs, nextPage);
    if (o === undefined) return afReply(new AfError('AF20031', [nextPage]));
    offset = o;
  }
  const apiRoot = d.apiRoot();
  let metas = d.catalog
    .blobsInRange(tenant, ct, w.startMs, w.endMs)
    .filter((m) => m.listableMs <= nowMs && d.subs.visible(sub, m.createdMs));
  let items: Array<Record<string, string>>;
  if (r.kind === 'notifications') {
    const since = sub.webhook ? (sub.webhookSinceMs ?? 0) : Number.POSITIVE_INFINITY;
    metas = metas.filter((m) => m.listableMs >= since);
    items = metas.slice(offset, offset + d.pageSize).map((m) => ({
      ...contentItem(m, apiRoot),
      notificationSent: new Date(m.listableMs + 5_000).toISOString(),
      notificationStatus: 'success',
    }));
  } else {
    items = metas.slice(offset, offset + d.pageSize).map((m) => contentItem(m, apiRoot));
  }
  const headers: Record<string, string> = {};
  if (offset + d.pageSize < metas.length) {
    const next = new URLSearchParams({ contentType: ct, startTime: w.startRaw, endTime: w.endRaw });
    next.set('nextPage', pageToken(d.seed, scope, w.startMs, w.endMs, offset + d.pageSize));
    const publisher = r.query.get('publisheridentifier');
    if (publisher) next.set('PublisherIdentifier', publisher);
    headers.NextPageUri = `${apiRoot}/api/v1.0/${tenant.tenant.tenantId}/activity/feed/subscriptions/${r.kind}?${next.toString()}`;
  }
  return { status: 200, body: items, headers };
}

function getBlob(
  d: FeedDeps,
  r: FeedRequest,
  tenant: TenantRecord,
  claims: AccessClaims,
  contentId: string,
): Reply {
  r.entry.contentId = contentId;
  const found = d.catalog.find(tenant, contentId);
  if (found === 'invalid') return afReply(new AfError('AF20052', [contentId]));
  const nowMs = d.clock.now().getTime();
  if (!found || found.listableMs > nowMs) return afReply(new AfError('AF20050', [contentId]));
  r.entry.contentType = found.contentType;
  const sub = d.subs.get(tenant.tenant.tenantId, found.contentType);
  if (!sub) return afReply(new AfError('AF20022'));
  if (sub.status !== 'enabled') return afReply(new AfError('AF20023', [sub.disabledBy ?? 'a tenant admin']));
  if (nowMs >= found.expirationMs) return afReply(new AfError('AF20051', [contentId]));
  if (d.faults.expired(r.kind)) {
    r.entry.fault = 'expireBlobs';
    return afReply(new AfError('AF20051', [contentId]));
  }
  const perms = claims.scp ? claims.scp.split(' ') : claims.roles;
  let records = d.catalog.records(found);
  // DLP detections are only for tokens with ActivityFeed.ReadDlp.
  if (!perms.includes('ActivityFeed.ReadDlp')) records = records.map(withoutDetections);
  return {
    status: 200,
    text: JSON.stringify(records),
    blob: { tenantId: tenant.tenant.tenantId, contentId },
  };
}

function dlpSensitiveTypes(r: FeedRequest): Reply {
  const header = r.headers['accept-language'];
  const lang = Array.isArray(header) ? header.join(',') : header;
  if (lang !== undefined && lang.trim() !== '') {
    const tags = lang.split(',').map((s) => s.trim());
    if (tags.length > 1) return afReply(new AfError('AF20053'));
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/i.test(tags[0] ?? '')) return afReply(new AfError('AF20054'));
  }
  return { status: 200, body: DLP_SENSITIVE_TYPES };
}
