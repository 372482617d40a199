/**
 * Processes one content blob: validate the message, fetch the blob as a stream, and per record
 * dedupe (within the blob, then across blobs through event-Id claims) → filter → mask → entities →
 * normalize → NDJSON → gzip → streamed upload to the deterministic blob name, then record the
 * outcome in the ledger.
 *
 * Error semantics follow the queue trigger: returning acknowledges the message; throwing makes the
 * host retry it, up to maxDequeueCount, then move it to `<queue>-poison`. Permanent problems
 * (invalid message, forged URI, expired or unknown blob) are recorded and acknowledged; transient
 * ones are thrown, and on the last attempt the ledger says `failed` first.
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { ManagementApi } from '../api/types.js';
import type { UrlGuard } from '../api/url-guard.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { errorMessage, InvalidInputError, PipelineError } from '../errors.js';
import type { Logger } from '../logger.js';
import { outputBlobName } from '../storage/names.js';
import type { ClaimSession, EventIdClaims } from '../storage/event-ids.js';
import type { ContentLedger, ContentMessage, EventSink, LedgerEntry } from '../storage/types.js';
import { createDeduper } from './dedupe.js';
import { extractEntityEvents } from './entities.js';
import { createRecordFilter } from './filter.js';
import { maskFindings } from './mask.js';
import { parseContentMessage, rawText } from './message.js';
import { normalizeInvalid, normalizeRecord, type NormalizeContext } from './normalize.js';
import { parseRecords, type ParsedItem } from './parse.js';

/**
 * Records claimed per table round trip. Bounds what is buffered between parse and upload (about
 * 100 records) and costs about one entity-group transaction per 100 records and hour partition.
 */
export const CLAIM_BATCH = 100;
/** Micro-batches whose claims may be in flight at once (the table round trip overlaps the work). */
export const CLAIMS_IN_FLIGHT = 4;

export interface ProcessorDeps {
  config: Pick<Config, 'tenantId' | 'filter' | 'mask' | 'entityKeys' | 'fields'>;
  api: ManagementApi;
  guard: UrlGuard;
  ledger: ContentLedger;
  sink: EventSink;
  /** Cross-blob dedupe (`Runtime.claims`): required, so no composition root can forget it. */
  claims: EventIdClaims;
  clock: Clock;
  logger: Logger;
  /** host.json `extensions.queues.maxDequeueCount`. */
  maxDequeueCount: number;
}

export interface ProcessCounts {
  events: number;
  written: number;
  filtered: number;
  masked: number;
  /** Repeated Ids within this blob. */
  duplicates: number;
  /** Ids owned by another content blob (the API re-delivered them): skipped, written there. */
  crossBlobDuplicates: number;
  invalid: number;
}

export type ProcessOutcome =
  | { status: 'done'; blobPath: string; counts: ProcessCounts }
  | { status: 'skipped'; reason: string }
  | { status: 'expired' | 'failed'; reason: string }
  | { status: 'rejected'; reason: string };

interface ApiErrorLike {
  category?: string;
  afCode?: string;
  httpStatus?: number;
}

export async function processContentMessage(
  payload: unknown,
  dequeueCount: number,
  deps: ProcessorDeps,
): Promise<ProcessOutcome> {
  const { logger, clock } = deps;
  let message: ContentMessage;
  try {
    message = parseContentMessage(payload);
    checkMessage(message, deps);
  } catch (err) {
    if (!(err instanceof PipelineError) || err.retryable) throw err;
    const reason = errorMessage(err);
    await deps.ledger.recordRejectedMessage(reason, rawText(payload), clock.now());
    logger.error('message.rejected', { reason, dequeueCount });
    return { status: 'rejected', reason };
  }

  const log = logger.child({ contentType: message.contentType, contentId: message.contentId });
  const existing = await deps.ledger.get(
    message.tenantId,
    message.contentType,
    message.contentId,
    message.contentCreated,
  );
  const base: LedgerEntry = {
    ...message,
    listedAt: existing?.listedAt ?? message.listedAt,
    state: existing?.state ?? 'enqueued',
  };
  if (existing?.state === 'done' || existing?.state === 'expired') {
    // Already settled (a duplicate message after a crash, or a replay): don't fetch the blob again.
    log.info('content.skipped', { state: existing.state });
    return { status: 'skipped', reason: `ledger state is ${existing.state}` };
  }
  if (Date.parse(message.contentExpiration) <= clock.now().getTime()) {
    const reason = `content expired at ${message.contentExpiration} before it could be fetched`;
    await settle(deps, base, 'expired', reason, dequeueCount);
    log.warn('content.expired', { reason });
    return { status: 'expired', reason };
  }

  const claims = deps.claims.session({
    tenantId: message.tenantId,
    contentId: message.contentId,
    contentCreated: message.contentCreated,
  });
  try {
    const result = await writeEvents(message, base.listedAt ?? message.listedAt, deps, claims);
    await deps.ledger.recordOutcome({
      ...base,
      ...result.counts,
      state: 'done',
      blobPath: result.blobPath,
      attempts: dequeueCount,
      lastError: '',
      updatedAt: clock.now().toISOString(),
    });
    log.info('content.processed', { blobPath: result.blobPath, ...result.counts });
    return { status: 'done', ...result };
  } catch (err) {
    const e = err as ApiErrorLike;
    if (e.category === 'permanent') {
      const state = e.afCode === 'AF20051' ? 'expired' : 'failed';
      const reason = errorMessage(err);
      await settle(deps, base, state, reason, dequeueCount);
      await releaseClaims(claims, log);
      log.error('content.unavailable', { state, afCode: e.afCode, httpStatus: e.httpStatus, reason });
      return { status: state, reason };
    }
    const last = dequeueCount >= deps.maxDequeueCount;
    const reason = `attempt ${dequeueCount} of ${deps.maxDequeueCount}: ${errorMessage(err)}`;
    await settle(deps, base, last ? 'failed' : base.state, reason, dequeueCount);
    if (last) await releaseClaims(claims, log);
    log[last ? 'error' : 'warn']('content.attempt_failed', { error: err, dequeueCount, lastAttempt: last });
    throw err;
  }
}

/**
 * A blob that failed for good gives back the Ids it owns, so other blobs carrying them write them
 * when they are processed (later, or again after a replay). What this cannot cover, and so may still
 * lose an event that was also delivered elsewhere: a blob whose other copies were already processed
 * (and skipped the Id) before the release; claims taken by an earlier attempt in an hour partition
 * this attempt never reached; a host crash on the last attempt (the message goes to poison without
 * this code running); and a failed release (logged). A replay of the failed blob re-claims and
 * writes them all. Releasing while an earlier output of this blob exists (an operator reprocess
 * that failed) can duplicate instead: we prefer a duplicate to a loss.
 */
async function releaseClaims(claims: ClaimSession | undefined, log: Logger): Promise<void> {
  if (!claims) return;
  try {
    const released = await claims.release();
    if (released > 0) log.warn('event_ids.released', { released });
  } catch (err) {
    // The original failure is what the caller reports; the lost release is logged for operators.
    log.error('event_ids.release_failed', { error: err });
  }
}

async function settle(
  deps: ProcessorDeps,
  base: LedgerEntry,
  state: LedgerEntry['state'],
  reason: string,
  attempts: number,
) {
  await deps.ledger.recordOutcome({
    ...base,
    state,
    lastError: reason,
    attempts,
    updatedAt: deps.clock.now().toISOString(),
  });
}

/** Refuse a message before any request: wrong tenant, a URI the token must not go to, or a URI naming other content. */
function checkMessage(message: ContentMessage, deps: ProcessorDeps): void {
  if (message.tenantId.toLowerCase() !== deps.config.tenantId.toLowerCase()) {
    throw new InvalidInputError(`queue message is for tenant ${message.tenantId}, not the configured tenant`);
  }
  const url = deps.guard.check(message.contentUri, 'contentUri');
  const last = url.pathname.split('/').at(-1) ?? '';
  let id: string;
  try {
    id = decodeURIComponent(last);
  } catch {
    id = last;
  }
  if (id !== message.contentId) {
    // Otherwise a forged message could overwrite another blob's output with other content.
    throw new InvalidInputError(`contentUri does not name contentId ${message.contentId}`);
  }
}

async function writeEvents(
  message: ContentMessage,
  ingestedAt: string,
  deps: ProcessorDeps,
  claims: ClaimSession | undefined,
) {
  const { config } = deps;
  const counts: ProcessCounts = {
    events: 0,
    written: 0,
    filtered: 0,
    masked: 0,
    duplicates: 0,
    crossBlobDuplicates: 0,
    invalid: 0,
  };
  const body = await deps.api.fetchContent(message.contentUri);
  const ctx: NormalizeContext = {
    tenantId: message.tenantId,
    contentType: message.contentType,
    contentId: message.contentId,
    // The time the content was first listed, not now: reprocessing must produce identical bytes.
    ingestedAt,
    fields: config.fields,
  };
  const keep = createRecordFilter(config.filter);
  const dedupe = createDeduper();

  type Claimed = { batch: readonly ParsedItem[]; owned: Promise<boolean[] | undefined> };

  function claim(batch: readonly ParsedItem[]): Claimed {
    const records = batch.flatMap((item) => (item.kind === 'record' ? [item.record] : []));
    const owned = claims && records.length > 0 ? claims.claim(records) : Promise.resolve(undefined);
    // Awaited in order by emit(); this only keeps a rejection from being reported as unhandled meanwhile.
    owned.catch(() => undefined);
    return { batch, owned };
  }

  /** Lines of one micro-batch, in input order, once its records' claims are known. */
  async function* emit({ batch, owned: claimed }: Claimed): AsyncGenerator<string> {
    const owned = await claimed;
    let r = 0;
    for (const item of batch) {
      if (item.kind === 'invalid') {
        counts.invalid += 1;
        counts.written += 1;
        // Written through with an error flag, never dropped; masked like any record first.
        const raw = maskFindings(item.raw, config.mask).record;
        yield `${JSON.stringify(normalizeInvalid({ ...item, raw }, ctx))}\n`;
        continue;
      }
      if (owned && owned[r++] === false) {
        counts.crossBlobDuplicates += 1;
        continue;
      }
      if (!keep(item.record).keep) {
        counts.filtered += 1;
        continue;
      }
      const masked = maskFindings(item.record, config.mask);
      if (masked.maskedValues > 0) counts.masked += 1;
      const event = normalizeRecord(masked.record, ctx, { findingsMasked: masked.maskedValues > 0 });
      counts.written += 1;
      yield `${JSON.stringify(event)}\n`;
      for (const derived of extractEntityEvents(masked.record, config.entityKeys, ctx)) {
        counts.written += 1;
        yield `${JSON.stringify(derived)}\n`;
      }
    }
  }

  async function* lines(): AsyncGenerator<string> {
    // Micro-batches keep memory bounded (at most CLAIMS_IN_FLIGHT + 1 batches are held) while
    // paying one claim round trip per batch, overlapped with parsing and upload. Batches hold
    // distinct Ids (in-blob dedupe comes first), so their claims never contend with each other.
    const inFlight: Claimed[] = [];
    let batch: ParsedItem[] = [];
    try {
      for await (const item of parseRecords(body.stream)) {
        counts.events += 1;
        if (item.kind === 'record' && dedupe.seen(item.record)) {
          counts.duplicates += 1;
          continue;
        }
        batch.push(item);
        if (batch.length >= CLAIM_BATCH) {
          inFlight.push(claim(batch));
          batch = [];
          if (inFlight.length >= CLAIMS_IN_FLIGHT) yield* emit(inFlight.shift()!);
        }
      }
      inFlight.push(claim(batch));
      while (inFlight.length > 0) yield* emit(inFlight.shift()!);
    } finally {
      // On failure, no claim may still be landing when the caller releases this blob's claims.
      await Promise.allSettled(inFlight.map((c) => c.owned));
    }
  }

  const blobPath = outputBlobName(
    message.tenantId,
    message.contentType,
    message.contentId,
    message.contentCreated,
  );
  const source = Readable.from(lines());
  const gzip = createGzip();
  // A failure while reading the blob (truncated, malformed) must fail the upload, so no partial
  // blob is committed: the previous version (if any) stays, and the message is retried.
  source.once('error', (err) => gzip.destroy(err));
  source.pipe(gzip);
  await deps.sink.write(blobPath, gzip, () => ({
    contentId: message.contentId,
    contentCreated: message.contentCreated,
    events: counts.written,
    schemaVersion: 1,
  }));
  return { blobPath, counts };
}
