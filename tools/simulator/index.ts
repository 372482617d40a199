/**
 * The Office 365 Management Activity API simulator: a fake tenant (or several) over HTTPS with
 * a throwaway CA, an Entra token endpoint msal-node accepts, the activity feed with the real
 * rules and error codes, seeded content, fault injection and a request log.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPES, type ContentType } from '../../shared/content-types.js';
import { EntraService } from './entra.js';
import { FaultInjector } from './faults.js';
import { ContentCatalog, type BlobMeta } from './generator/catalog.js';
import { DEFAULT_QUOTA_PER_MINUTE, PublisherQuota } from './quota.js';
import { RequestLog } from './request-log.js';
import { contentItem } from './routes/feed.js';
import { SCENARIOS } from './scenarios.js';
import { createRequestHandler } from './server.js';
import { Subscriptions } from './subscriptions.js';
import { createTenants, type TenantRecord } from './tenants.js';
import { DAY, HOUR } from './time.js';
import { createServerTls } from './tls.js';
import type { BlobTruth, Simulator, SimClock, StartSimulatorOptions } from './types.js';
import { WebhookSender, type WebhookAttempt } from './webhooks.js';
import { DEFAULT_LOOKBACK_TOLERANCE_MS } from './window.js';

export type * from './types.js';
export type { WebhookAttempt } from './webhooks.js';
export { SCENARIOS, SCENARIO_NAMES, isScenarioName } from './scenarios.js';

/** The running simulator: the contract plus the optional helpers, always present here. */
export interface RunningSimulator extends Simulator {
  issueRefreshToken(tenantId: string): string;
  blobRecords(tenantId: string, contentId: string): unknown[] | undefined;
  deliverNotifications(): Promise<number>;
  /** Validation and notification POSTs made to webhooks. */
  webhookLog: WebhookAttempt[];
}

const systemClock: SimClock = { now: () => new Date() };

export async function startSimulator(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? systemClock;
  const hours = Math.min(168, Math.max(0, options.hours ?? 24));
  const scenario = SCENARIOS[options.scenario ?? 'clean'];
  const startMs = clock.now().getTime();
  for (const [name, v] of [
    ['contentExpirationMs', options.contentExpirationMs],
    ['quotaPerMinute', options.quotaPerMinute],
    ['anonymousQuotaPerMinute', options.anonymousQuotaPerMinute],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new Error(`startSimulator: ${name} must be a positive number (got ${String(v)})`);
  }
  const tls = createServerTls();
  const records = createTenants(seed, Math.max(1, options.tenants ?? 1));
  let origin = '';
  const apiRoot = () => origin;
  const catalog = new ContentCatalog({
    seed,
    eventsPerHour: Math.max(1, options.eventsPerHour ?? 60),
    ...(options.blobsPerHour ? { blobsPerHour: options.blobsPerHour } : {}),
    lateFraction: options.lateFraction ?? scenario.lateFraction,
    historyStartMs: startMs - hours * HOUR,
    ...(options.contentExpirationMs !== undefined
      ? { contentExpirationMs: options.contentExpirationMs }
      : {}),
  });
  const perMinute = options.quotaPerMinute ?? DEFAULT_QUOTA_PER_MINUTE;
  const quota = new PublisherQuota({
    perMinute,
    anonymousPerMinute: options.anonymousQuotaPerMinute ?? perMinute,
    now: options.quotaClock ?? (() => performance.now()),
  });
  const subs = new Subscriptions();
  const entra = new EntraService(apiRoot, apiRoot, records, clock);
  const faults = new FaultInjector(seed);
  faults.set({ ...scenario.faults, ...options.faults });
  const log = new RequestLog();
  const webhooks = new WebhookSender(
    {
      ...(options.webhookCa ? { ca: options.webhookCa } : {}),
      allowHttp: options.allowHttpWebhooks ?? false,
    },
    clock,
    records,
    catalog,
    subs,
    apiRoot,
  );
  const feed = {
    seed,
    clock,
    tenants: records,
    catalog,
    subs,
    entra,
    faults,
    apiRoot,
    webhooks,
    pageSize: Math.max(1, options.pageSize ?? 100),
    toleranceMs: (options.lookbackToleranceMinutes ?? DEFAULT_LOOKBACK_TOLERANCE_MS / 60_000) * 60_000,
  };
  if (options.autoStartSubscriptions ?? true) {
    for (const r of records)
      for (const ct of CONTENT_TYPES) subs.start(r.tenant.tenantId, ct, undefined, startMs);
  }
  const server = createServer(
    { key: tls.keyPem, cert: tls.certPem },
    createRequestHandler({ clock, entra, faults, log, feed, quota }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    tls.dispose();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  origin = `https://127.0.0.1:${port}`;

  const tenantOf = (tenantId: string): TenantRecord => {
    const r = records.find((t) => t.tenant.tenantId === tenantId.toLowerCase());
    if (!r) throw new Error(`unknown simulated tenant ${tenantId}`);
    return r;
  };
  const truth = (meta: BlobMeta): BlobTruth => {
    const item = contentItem(meta, origin);
    const t: BlobTruth = {
      tenantId: meta.tenant.tenant.tenantId,
      contentType: meta.contentType,
      contentId: meta.contentId,
      contentUri: item.contentUri ?? '',
      contentCreated: item.contentCreated ?? '',
      contentExpiration: item.contentExpiration ?? '',
      listableAt: new Date(meta.listableMs).toISOString(),
      eventIds: [],
      recordCount: 0,
    };
    // Lazy: a week of blob metadata stays cheap until someone asks for the Ids.
    Object.defineProperty(t, 'eventIds', { enumerable: true, get: () => catalog.eventIds(meta) });
    Object.defineProperty(t, 'recordCount', { enumerable: true, get: () => catalog.recordCount(meta) });
    return t;
  };
  let closed: Promise<void> | undefined;

  return {
    apiRoot: origin,
    loginAuthority: origin,
    caPath: tls.caPath,
    caPem: tls.caPem,
    port,
    tenants: records.map((r) => r.tenant),
    requestLog: log.entries,
    setFaults: (f) => faults.set(f),
    blobs(tenantId, contentType, from, to) {
      const t = tenantOf(tenantId);
      const toMs = to?.getTime() ?? clock.now().getTime();
      return catalog.blobsInRange(t, contentType, from?.getTime() ?? 0, toMs).map(truth);
    },
    expectedEventIds(tenantId, contentType) {
      const t = tenantOf(tenantId);
      const nowMs = clock.now().getTime();
      const ids = new Set<string>();
      for (const ct of contentType ? [contentType] : CONTENT_TYPES) {
        const sub = subs.get(t.tenant.tenantId, ct);
        for (const meta of catalog.blobsInRange(t, ct, nowMs - 7 * DAY, nowMs + 1)) {
          if (meta.listableMs > nowMs || meta.expirationMs <= nowMs || !subs.visible(sub, meta.createdMs))
            continue;
          for (const id of catalog.eventIds(meta)) ids.add(id);
        }
      }
      return ids;
    },
    addLateBlob(tenantId, contentType: ContentType, contentCreated, listableAt) {
      return truth(
        catalog.addLate(tenantOf(tenantId), contentType, contentCreated.getTime(), listableAt.getTime()),
      );
    },
    stopSubscription(tenantId, contentType) {
      subs.stop(tenantOf(tenantId).tenant.tenantId, contentType, clock.now().getTime(), 'a tenant admin');
    },
    issueRefreshToken: (tenantId) => entra.issueRefreshToken(tenantId),
    deliverNotifications: () => webhooks.deliver(),
    webhookLog: webhooks.attempts,
    blobRecords(tenantId, contentId) {
      const found = catalog.find(tenantOf(tenantId), contentId);
      return found && found !== 'invalid' ? catalog.records(found) : undefined;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
        .then(() => webhooks.close())
        .finally(() => tls.dispose());
      return closed;
    },
  };
}
