/**
 * The HTTPS request pipeline: classify, log, inject faults, dispatch to the login or feed routes,
 * and write the answer (cutting or corrupting blob bodies when a fault says so).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntraService } from './entra.js';
import type { FaultInjector, RequestFault } from './faults.js';
import { ANONYMOUS_PUBLISHER, type PublisherQuota } from './quota.js';
import { apiHeaders, queryOf, readBody, sendJson } from './http-util.js';
import type { RequestLog } from './request-log.js';
import { feedKind, handleFeed, type FeedDeps } from './routes/feed.js';
import { matchLogin } from './routes/entra-routes.js';
import { notFound, type Reply } from './routes/reply.js';
import type { RequestKind, RequestLogEntry, SimClock } from './types.js';

export interface ServerDeps {
  clock: SimClock;
  entra: EntraService;
  faults: FaultInjector;
  log: RequestLog;
  feed: FeedDeps;
  quota: PublisherQuota;
}

const FEED_PATH = /^\/api\/v1\.0\/([^/]+)\/activity\/feed\/(.+)$/;

/** Names the service puts in AF429 messages. */
const METHOD_NAMES: Partial<Record<RequestKind, string>> = {
  start: 'StartSubscription',
  stop: 'StopSubscription',
  list: 'ListSubscriptions',
  content: 'ListContent',
  notifications: 'ListNotifications',
  blob: 'GetBlob',
  dlpSensitiveTypes: 'GetResources',
  token: 'Token',
};

function af429(
  status: number,
  kind: RequestKind,
  publisher: string | undefined,
  headers: Record<string, string> = {},
): Reply {
  return {
    status,
    afCode: 'AF429',
    headers,
    body: {
      error: {
        code: 'AF429',
        message: `Too many requests. Method=${METHOD_NAMES[kind] ?? 'Unknown'}, PublisherId=${publisher || ANONYMOUS_PUBLISHER}`,
      },
    },
  };
}

/** Where the `redirect` fault points, and the signature in its query (tests check neither leaks). */
export const REDIRECT_HOST = 'blobs.elsewhere.example';
export const REDIRECT_SIG = 'c2ltdWxhdGVkLXNhcy1zaWduYXR1cmUtbm90LWEta2V5';

function faultReply(
  fault: Exclude<RequestFault, 'connectionReset'>,
  kind: RequestKind,
  publisher: string | undefined,
  retryAfter: number,
): Reply {
  switch (fault) {
    case 'throttle403':
      return af429(403, kind, publisher);
    case 'throttle429':
      return af429(429, kind, publisher, { 'Retry-After': String(retryAfter) });
    case 'internalError':
      return {
        status: 500,
        afCode: 'AF50000',
        body: { error: { code: 'AF50000', message: 'An internal error occurred. Retry the request.' } },
      };
    case 'unavailable':
      return { status: 503, text: '<h2>Service Unavailable</h2>', headers: { 'Content-Type': 'text/html' } };
    case 'timeout408':
      return { status: 408, text: '<h2>Request Timeout</h2>', headers: { 'Content-Type': 'text/html' } };
    case 'redirect':
      return {
        status: 302,
        text: '',
        headers: { Location: `https://${REDIRECT_HOST}/content?sv=2024-08-04&sig=${REDIRECT_SIG}` },
      };
  }
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(
          res,
          500,
          {
            error: {
              code: 'AF50000',
              message: `An internal error occurred. Retry the request. (${String(err)})`,
            },
          },
          { Date: deps.clock.now().toUTCString() },
        );
      } else {
        res.destroy();
      }
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const feedMatch = FEED_PATH.exec(url.pathname);
  const login = feedMatch ? undefined : matchLogin(deps.entra, url.pathname);
  const kind: RequestKind = feedMatch ? feedKind(feedMatch[2] ?? '') : (login?.kind ?? 'other');
  const query = queryOf(url);
  const entry: RequestLogEntry = {
    at: deps.clock.now().toISOString(),
    method,
    kind,
    url: req.url ?? '/',
    hadToken: req.headers.authorization !== undefined,
    status: 0,
    violations: [],
  };
  const tenantId = feedMatch?.[1] ?? login?.tenantId;
  if (tenantId) entry.tenantId = decodeURIComponent(tenantId);
  // A bearer token belongs to the API only; Entra, discovery and unknown paths must never see it.
  if (!feedMatch && /^Bearer\s/i.test(headerValue(req.headers.authorization) ?? '')) {
    entry.violations.push('tokenSentElsewhere');
  }
  deps.log.add(entry);
  // Counted at arrival, before any await: the quota is about the rate requests come in at.
  const publisher = query.get('publisheridentifier');
  const quota = feedMatch ? deps.quota.admit(entry.tenantId ?? '', publisher) : undefined;
  const body = await readBody(req);

  const delay = deps.faults.delay(kind);
  if (delay > 0) {
    entry.fault = 'slow';
    await sleep(delay);
  }
  const fault = deps.faults.request(kind);
  if (fault === 'connectionReset') {
    entry.fault = fault;
    req.socket.destroy();
    return;
  }
  let reply: Reply;
  if (fault) {
    entry.fault = fault;
    if (fault === 'throttle403' || fault === 'throttle429') entry.throttled = 'fault';
    reply = faultReply(fault, kind, publisher, deps.faults.current.retryAfterSeconds ?? 1);
  } else if (quota && !quota.admitted) {
    // The documented form of AF429: HTTP 403, no Retry-After.
    entry.throttled = 'quota';
    entry.violations.push('overQuota');
    if (publisher) entry.publisherIdentifier = publisher;
    else entry.violations.push('noPublisherIdentifier');
    reply = af429(403, kind, publisher);
  } else if (feedMatch) {
    reply = await handleFeed(deps.feed, {
      method,
      url,
      op: feedMatch[2] ?? '',
      kind,
      tenantId: decodeURIComponent(feedMatch[1] ?? ''),
      query,
      headers: req.headers,
      body,
      entry,
    });
  } else if (login) {
    reply = login.handle(method, body);
  } else {
    reply = notFound(url.pathname + url.search);
  }
  entry.status = reply.status;
  if (reply.afCode) entry.afCode = reply.afCode;
  write(deps, res, reply, kind, entry);
}

function write(
  deps: ServerDeps,
  res: ServerResponse,
  reply: Reply,
  kind: RequestKind,
  entry: RequestLogEntry,
): void {
  // The simulated clock's time, so clients' clock-skew checks can be exercised.
  const headers = { Date: deps.clock.now().toUTCString(), ...reply.headers };
  if (reply.text === undefined) {
    sendJson(res, reply.status, reply.body, headers);
    return;
  }
  const bodyFault = reply.blob ? deps.faults.body(kind) : undefined;
  let text = reply.text;
  if (bodyFault === 'malformedJson') {
    // Valid HTTP, broken JSON: a record cut short and the array never closed.
    text = `${text.slice(0, Math.max(1, Math.floor(text.length / 3)))},{"Id":`;
  }
  const bytes = Buffer.from(text, 'utf8');
  res.writeHead(reply.status, { ...apiHeaders(headers), 'Content-Length': bytes.length });
  if (bodyFault === 'truncatedBody') {
    entry.fault = bodyFault;
    // Send part of the announced length, then drop the connection.
    res.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => res.socket?.destroy());
    return;
  }
  if (bodyFault) entry.fault = bodyFault;
  res.end(bytes);
  if (
    !bodyFault &&
    reply.blob &&
    reply.status === 200 &&
    deps.log.blobServed(reply.blob.tenantId, reply.blob.contentId)
  ) {
    entry.violations.push('blobFetchedTwice');
  }
}
