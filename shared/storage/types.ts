/**
 * The storage the pipeline depends on, as small interfaces. Real implementations sit on Azure
 * Storage (tables, queues, blobs); tests use them against Azurite.
 */
import type { Readable } from 'node:stream';
import type { ContentType } from '../content-types.js';

export interface LostWindows {
  count: number;
  /** Minutes lost in total. */
  minutes: number;
  lastStart?: string;
  lastEnd?: string;
}

export interface Checkpoint {
  tenantId: string;
  contentType: ContentType;
  /** Exclusive end of the last fully listed window (ISO-8601 UTC). */
  listedThrough?: string;
  lastRunAt?: string;
  lastRunStatus?: string;
  lastError?: string;
  lostWindows: LostWindows;
  /** Last `subscriptions/start` attempt (the API allows one per 15 minutes). */
  lastSubscribeAttemptAt?: string;
}

export interface VersionedCheckpoint {
  checkpoint: Checkpoint;
  /** Undefined when the row does not exist yet. */
  etag?: string;
}

export interface CheckpointStore {
  read(tenantId: string, contentType: ContentType): Promise<VersionedCheckpoint>;
  /**
   * Write with the etag that was read (create when there was none). Returns the new etag, or
   * `undefined` when another writer got there first (412/409): the caller re-reads.
   */
  write(checkpoint: Checkpoint, etag: string | undefined): Promise<string | undefined>;
  list(tenantId: string): Promise<Checkpoint[]>;
}

export type LedgerState = 'enqueued' | 'done' | 'failed' | 'expired';

export interface LedgerEntry {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
  state: LedgerState;
  listedAt?: string;
  events?: number;
  written?: number;
  filtered?: number;
  masked?: number;
  duplicates?: number;
  /** Records skipped because another content blob already wrote the same event Id. */
  crossBlobDuplicates?: number;
  invalid?: number;
  blobPath?: string;
  attempts?: number;
  lastError?: string;
  updatedAt?: string;
}

/** A failed or expired blob as status shows it. */
export interface LedgerProblem {
  contentId: string;
  state: LedgerState;
  contentCreated: string;
  updatedAt?: string;
  lastError?: string;
}

export interface ContentLedger {
  /** contentIds already recorded among those given (same tenant and content type). */
  known(
    tenantId: string,
    contentType: ContentType,
    items: ReadonlyArray<{ contentId: string; contentCreated: string }>,
  ): Promise<Set<string>>;
  /** Insert if absent: never overwrites a row a processor may already have marked done. Returns false when it existed. */
  recordEnqueued(entry: LedgerEntry): Promise<boolean>;
  get(
    tenantId: string,
    contentType: ContentType,
    contentId: string,
    contentCreated: string,
  ): Promise<LedgerEntry | undefined>;
  /** Merge the outcome of processing (done / failed / expired) into the row, creating it if needed. */
  recordOutcome(entry: LedgerEntry): Promise<void>;
  /** Rows per state for content created in [from, to). */
  countByState(
    tenantId: string,
    contentType: ContentType,
    from: Date,
    to: Date,
  ): Promise<Record<LedgerState, number>>;
  /** Entries created in [from, to), optionally of one state. */
  entries(
    tenantId: string,
    contentType: ContentType,
    from: Date,
    to: Date,
    state?: LedgerState,
  ): Promise<LedgerEntry[]>;
  /**
   * The `limit` most recently updated failed or expired rows created in [from, to), newest first,
   * read without holding the others (status shows a handful of a possibly huge number).
   */
  recentProblems(
    tenantId: string,
    contentType: ContentType,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<LedgerProblem[]>;
  /** Delete rows whose contentExpiration + 1 day is before `now`, at most `max`; returns how many. */
  cleanup(tenantId: string, contentType: ContentType, now: Date, max: number): Promise<number>;
  /** A queue message that could not be parsed or was refused: kept for operators, never retried. */
  recordRejectedMessage(reason: string, raw: string, at: Date): Promise<void>;
  rejectedMessages(limit: number): Promise<Array<{ reason: string; raw: string; at: string }>>;
}

export interface ContentMessage {
  v: 1;
  tenantId: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
  listedAt: string;
}

export interface ContentQueue {
  send(messages: readonly ContentMessage[]): Promise<void>;
  depth(): Promise<{ queue: number; poison: number }>;
}

export interface EventBlobMetadata {
  contentId: string;
  contentCreated: string;
  events: number;
  schemaVersion: number;
}

export interface EventSink {
  /** Upload gzip NDJSON from a stream to `path`, replacing any previous blob. Metadata is set at commit. */
  write(path: string, gzipStream: Readable, metadata: () => EventBlobMetadata): Promise<void>;
}
