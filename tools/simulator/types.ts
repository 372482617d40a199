/**
 * Public contract of the Office 365 Management Activity API simulator (`startSimulator` in
 * `index.ts`). Tests across the project depend on these names; change them only together.
 */
import type { ContentType } from '../../shared/content-types.js';

export interface SimClock {
  now(): Date;
}

/** Fault knobs; every probability is per request of the named kind, drawn from the seeded PRNG. */
export interface FaultConfig {
  /** AF429 answered as HTTP 403 (the docs' example). */
  throttle403?: number;
  /** AF429 answered as HTTP 429 with `Retry-After` (seconds, default 1). */
  throttle429?: number;
  retryAfterSeconds?: number;
  /** AF50000 / HTTP 500. */
  internalError?: number;
  /** HTTP 503. */
  unavailable?: number;
  /** HTTP 408. */
  timeout408?: number;
  /** HTTP 302 to another host, with a SAS-like query in `Location` (a misrouted or hijacked answer). */
  redirect?: number;
  /** Delay added to responses (ms) with this probability. */
  slow?: number;
  slowMs?: number;
  /** Destroy the socket before answering. */
  connectionReset?: number;
  /** Blob bodies cut in the middle (connection closed after part of the body). */
  truncatedBody?: number;
  /** Blob bodies that are not valid JSON. */
  malformedJson?: number;
  /** Reject every token issued before this moment with 401 (token expiry/revocation mid-run). */
  revokeTokensIssuedBefore?: Date;
  /** Only apply faults to these request kinds (default: all API kinds, never the token endpoint). */
  kinds?: ReadonlyArray<RequestKind>;
  /** Answer 401 to this share of requests whose token is otherwise valid (a token revoked mid-run). */
  revokedToken?: number;
  /** Answer this share of otherwise good blob fetches with 400 AF20051 (content already expired). */
  expireBlobs?: number;
  /** Answer this share of follow-up pages (requests with `nextPage`) with 400 AF20031, a page token the service no longer accepts. */
  staleNextPage?: number;
}

export type RequestKind =
  | 'token'
  | 'discovery'
  | 'start'
  | 'stop'
  | 'list'
  | 'content'
  | 'notifications'
  | 'blob'
  | 'dlpSensitiveTypes'
  | 'other';

/** Names of ready-made scenarios (`--scenario`). */
export type ScenarioName = 'clean' | 'throttle403' | 'throttle429' | 'flaky' | 'truncated' | 'late' | 'chaos';

export interface SimTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM certificate registered for the client (for certificate-credential tests). */
  certificatePem: string;
  /** Matching PKCS#8 private key PEM. */
  privateKeyPem: string;
  /** Roles granted in tokens; default ['ActivityFeed.Read', 'ActivityFeed.ReadDlp']. */
  roles: string[];
}

export interface RequestLogEntry {
  at: string;
  method: string;
  kind: RequestKind;
  /** Path and query as received. */
  url: string;
  tenantId?: string;
  contentType?: string;
  contentId?: string;
  startTime?: string;
  endTime?: string;
  publisherIdentifier?: string;
  /** Whether an Authorization header was present. */
  hadToken: boolean;
  status: number;
  afCode?: string;
  /** Rules of the API this request broke: 'window>24h', 'window>7d', 'noPublisherIdentifier', 'blobFetchedTwice', 'tokenMissing', 'tokenOtherTenant', 'tokenSentElsewhere', 'overQuota'. */
  violations: string[];
  /** Injected fault, if any. */
  fault?: string;
  /** Answered AF429: 'quota' when over the publisher's quota, 'fault' when injected. */
  throttled?: 'quota' | 'fault';
}

/** What the generator knows about one content blob. */
export interface BlobTruth {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
  /** When the blob first appears in listings (≥ contentCreated for late-listed blobs). */
  listableAt: string;
  /** Unique record Ids in the blob (after in-blob duplicates are removed). */
  eventIds: string[];
  /** Records in the served array, duplicates included. */
  recordCount: number;
}

export interface StartSimulatorOptions {
  port?: number;
  seed?: number;
  /** Number of generated tenants (default 1). */
  tenants?: number;
  eventsPerHour?: number;
  /** Hours of history before `clock.now()` at start (default 24, at most 168). */
  hours?: number;
  /** Clock for content availability and time-window rules (default: system clock). */
  clock?: SimClock;
  scenario?: ScenarioName;
  faults?: FaultConfig;
  /** Items per `subscriptions/content` page (default 100). */
  pageSize?: number;
  /** Start subscriptions for every content type of every tenant at start (default true). */
  autoStartSubscriptions?: boolean;
  /** Content blobs per hour per content type (default: 3–8, from eventsPerHour). */
  blobsPerHour?: number;
  /** Share of generated blobs listed late (listableAt 10–120 min after contentCreated); default 0 ('late'/'chaos' scenarios: 0.15). */
  lateFraction?: number;
  /** How far beyond 7 days a startTime may reach before AF20055 (default 60, as observed by Beats). */
  lookbackToleranceMinutes?: number;
  /** CA (PEM) that webhook receivers' certificates chain to, if not publicly trusted. */
  webhookCa?: string;
  /** Accept http:// webhook addresses (the real service requires https). Default false. */
  allowHttpWebhooks?: boolean;
  /** contentExpiration − contentCreated of every blob (default 7 days, as documented). */
  contentExpirationMs?: number;
  /** API requests per minute per tenant and PublisherIdentifier before AF429 (default 2,000). */
  quotaPerMinute?: number;
  /** Requests per minute without PublisherIdentifier, one pool for all tenants (default: quotaPerMinute). */
  anonymousQuotaPerMinute?: number;
  /** Monotonic milliseconds the quota window is measured on (default: real arrival time, performance.now). */
  quotaClock?: () => number;
}

export interface Simulator {
  /** e.g. `https://127.0.0.1:43123` — the API root origin. */
  apiRoot: string;
  /** Login authority origin (same server). */
  loginAuthority: string;
  /** Path of the throwaway CA certificate (PEM) to trust via NODE_EXTRA_CA_CERTS or a network client. */
  caPath: string;
  caPem: string;
  port: number;
  tenants: SimTenant[];
  requestLog: RequestLogEntry[];
  setFaults(faults: FaultConfig): void;
  /** Every blob of a tenant/content type whose contentCreated is in [from, to) (default: all history up to now). */
  blobs(tenantId: string, contentType: ContentType, from?: Date, to?: Date): BlobTruth[];
  /** Every unique event Id listable now for a tenant (all content types, or one). */
  expectedEventIds(tenantId: string, contentType?: ContentType): Set<string>;
  /** Add a blob whose contentCreated is `contentCreated` but that only becomes listable at `listableAt`. */
  addLateBlob(tenantId: string, contentType: ContentType, contentCreated: Date, listableAt: Date): BlobTruth;
  stopSubscription(tenantId: string, contentType: ContentType): void;
  close(): Promise<void>;
  /** A refresh token for the delegated (`refreshToken`) auth mode of the tenant. */
  issueRefreshToken?(tenantId: string): string;
  /** The records of one blob as served to a token with ActivityFeed.ReadDlp (ground truth). */
  blobRecords?(tenantId: string, contentId: string): unknown[] | undefined;
  /** POSTs notifications for content listed since the last delivery to each webhook; returns how many were accepted. */
  deliverNotifications?(): Promise<number>;
}
