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
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ManagementApi } from '../api/types.js';
import type { UrlGuard } from '../api/url-guard.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { errorMessage, InvalidInputError, PipelineError } from '../errors.js';
import type { Logger } from '../logger.js';
import { outputBlobName } from '../storage/names.js';
import { claimKey, type ClaimKey, type ClaimSession, type EventIdClaims } from '../storage/event-ids.js';
import type { ContentLedger, ContentMessage, EventSink, LedgerEntry } from '../storage/types.js';
import { claimInBatches } from './claim-batches.js';
import { createDeduper } from './dedupe.js';
import { extractEntityEvents } from './entities.js';
import { createRecordFilter } from './filter.js';
import { maskFindings } from './mask.js';
import { parseContentMessage, rawText } from './message.js';
import { normalizeInvalid, normalizeRecord, type NormalizeContext } from './normalize.js';
import { parseRecords, type ParsedItem } from './parse.js';
import { createTextSpool } from './text-spool.js';

/** Ids per claim call: an entity-group transaction takes at most 100 actions, all in one partition. */
export const CLAIM_BATCH = 100;
/**
 * Records held (as output text) while their claims are pending. The larger, the fuller the claim
 * transactions of the sparse hours (see claim-batches.ts); about 4 MB of text at 4 KB a record.
 */
export const CLAIM_WINDOW = 1000;
/** Claim transactions in flight at once (the table round trips overlap the work on later records). */
export const CLAIMS_IN_FLIGHT = 8;
/** Records whose claims are answered and written together. */
const OUTPUT_CHUNK = 100;
/** Output is written to gzip in pieces of about this size: gzip costs per write (about 45 µs). */
const OUTPUT_CHUNK_BYTES = 64 * 1024;

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

/** A record (or invalid element) ready to be written, awaiting only its claim. */
type Prepared =
  | { kind: 'invalid'; claim?: undefined; bytes: number }
  /** `lines` 0: filtered out (nothing to write, but still claimed: the owner decides). */
  | {
      kind: 'record';
      /** Undefined when the record cannot be deduped across blobs (no Id or CreationTime). */
      claim: ClaimKey | undefined;
      lines: number;
      masked: boolean;
      /** Length of its output lines in the spool. */
      bytes: number;
    };

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
  // Output waiting for claims is held here, off the V8 heap (see text-spool.ts).
  const spool = createTextSpool();

  /**
   * Everything a record needs except its claim, done as it is parsed: while the claim is in flight
   * only the output text is held, not the parsed record (see claim-batches.ts).
   */
  function prepare(item: ParsedItem): Prepared {
    if (item.kind === 'invalid') {
      // Written through with an error flag, never dropped; masked like any record first.
      const raw = maskFindings(item.raw, config.mask).record;
      return {
        kind: 'invalid',
        bytes: spool.push(`${JSON.stringify(normalizeInvalid({ ...item, raw }, ctx))}\n`),
      };
    }
    const { record } = item;
    const claim = claimKey(message.tenantId, record);
    if (!keep(record).keep) return { kind: 'record', claim, lines: 0, masked: false, bytes: 0 };
    const masked = maskFindings(record, config.mask);
    const event = normalizeRecord(masked.record, ctx, { findingsMasked: masked.maskedValues > 0 });
    let text = `${JSON.stringify(event)}\n`;
    let lines = 1;
    for (const derived of extractEntityEvents(masked.record, config.entityKeys, ctx)) {
      text += `${JSON.stringify(derived)}\n`;
      lines += 1;
    }
    return { kind: 'record', claim, lines, masked: masked.maskedValues > 0, bytes: spool.push(text) };
  }

  async function* prepared(): AsyncGenerator<Prepared> {
    for await (const item of parseRecords(body.stream)) {
      counts.events += 1;
      if (item.kind === 'record' && dedupe.seen(item.record)) {
        counts.duplicates += 1;
        continue;
      }
      yield prepare(item);
    }
  }

  const claimKeys = claims
    ? (keys: ClaimKey[]) => claims.claimKeys(keys)
    : (keys: ClaimKey[]) => Promise.resolve(keys.map(() => true));

  /** The output, in input order, in pieces of about OUTPUT_CHUNK_BYTES. */
  async function* chunks(): AsyncGenerator<Buffer> {
    // Claims hold distinct Ids (in-blob dedupe comes first), so they never contend with each other.
    const batches = claimInBatches(prepared(), claimKeys, {
      transaction: CLAIM_BATCH,
      chunk: OUTPUT_CHUNK,
      window: CLAIM_WINDOW,
      maxInFlight: CLAIMS_IN_FLIGHT,
    });
    for await (const { items, owned } of batches) {
      // Spool views are copied (concat) before anything can push again, i.e. before each yield.
      const out: Buffer[] = [];
      let size = 0;
      for (const [i, item] of items.entries()) {
        if (item.kind === 'invalid') {
          counts.invalid += 1;
          counts.written += 1;
        } else if (!owned[i]) {
          counts.crossBlobDuplicates += 1;
          spool.skip(item.bytes);
          continue;
        } else if (item.lines === 0) {
          counts.filtered += 1;
          continue;
        } else {
          if (item.masked) counts.masked += 1;
          counts.written += item.lines;
        }
        out.push(spool.take(item.bytes));
        size += item.bytes;
        if (size >= OUTPUT_CHUNK_BYTES) {
          yield Buffer.concat(out, size);
          out.length = 0;
          size = 0;
        }
      }
      if (size > 0) yield Buffer.concat(out, size);
    }
  }

  const blobPath = outputBlobName(
    message.tenantId,
    message.contentType,
    message.contentId,
    message.contentCreated,
  );
  // One chunk read ahead: the batches before it are bounded by claimInBatches.
  const source = Readable.from(chunks(), { highWaterMark: 1 });
  const gzip = createGzip();
  // A failure while reading the blob (truncated, malformed) must fail the upload, so no partial
  // blob is committed: the previous version (if any) stays, and the message is retried.
  source.once('error', (err) => gzip.destroy(err));
  source.pipe(gzip);
  try {
    await deps.sink.write(blobPath, gzip, () => ({
      contentId: message.contentId,
      contentCreated: message.contentCreated,
      events: counts.written,
      schemaVersion: 1,
    }));
  } catch (err) {
    // The caller may release this blob's claims next: stop reading (an upload failure leaves the
    // source paused), and wait until no claim is still landing (Readable.from closes only once
    // the generators' cleanup has run).
    source.destroy();
    await finished(source).catch(() => undefined);
    throw err;
  }
  return { blobPath, counts };
}
