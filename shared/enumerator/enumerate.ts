/**
 * The enumerator: for each content type, plan windows from the checkpoint, list content (trailing
 * re-list first, then forward windows), enqueue what the ledger does not know, and advance the
 * checkpoint after each fully listed forward window. Content types run independently: one failing
 * type does not stop the others.
 */
import type { ManagementApi, TimeWindow } from '../api/types.js';
import type { Clock } from '../clock.js';
import type { ContentType } from '../content-types.js';
import { errorMessage, PipelineError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EventIdClaims } from '../storage/event-ids.js';
import type { Checkpoint, CheckpointStore, ContentLedger, ContentQueue } from '../storage/types.js';
import { enqueueNewContent } from './enqueue.js';
import { MINUTE_MS, planWindows, splitWindow, type PlanSettings } from './windows.js';

/** The API throttles `subscriptions/start`: one request per 15 minutes. */
export const SUBSCRIBE_INTERVAL_MS = 15 * MINUTE_MS;
/** Ledger rows deleted per content type per run, so cleanup never eats the time budget. */
export const CLEANUP_BATCH = 500;
/**
 * Expired event-Id claims deleted per run (one row per event, per tenant): 5000 per 5-minute run
 * is 1.44 M a day, in transactions of up to 100 rows.
 */
export const EVENT_ID_CLEANUP_BATCH = 5000;

export interface EnumeratorSettings extends PlanSettings {
  tenantId: string;
  contentTypes: readonly ContentType[];
  autoSubscribe: boolean;
  maxContentPerRun: number;
  budgetSeconds: number;
}

export interface EnumeratorDeps {
  api: ManagementApi;
  checkpoints: CheckpointStore;
  ledger: ContentLedger;
  queue: ContentQueue;
  /** Event-Id claims of the processor (`Runtime.claims`): the enumerator deletes expired ones. */
  claims: EventIdClaims;
  clock: Clock;
  logger: Logger;
  settings: EnumeratorSettings;
  /** Test hook: called at named points so fault-injection tests can crash the run there. */
  onStep?: (step: 'listed' | 'enqueued' | 'checkpointed', contentType: ContentType) => void | Promise<void>;
}

export interface ContentTypeSummary {
  contentType: ContentType;
  status: 'ok' | 'partial' | 'error';
  reason?: string;
  windowsListed: number;
  relisted: number;
  pages: number;
  itemsListed: number;
  newItems: number;
  alreadyKnown: number;
  enqueued: number;
  expiredOnListing: number;
  lostWindows: number;
  subscriptionStarted: boolean;
  checkpointBefore?: string;
  checkpointAfter?: string;
  lagMinutes?: number;
  ledgerRowsCleaned: number;
  error?: string;
}

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  types: ContentTypeSummary[];
  enqueued: number;
  lagMinutes?: number;
  /** Expired event-Id claims deleted this run. */
  eventIdsCleaned: number;
  ok: boolean;
}

interface ApiErrorLike {
  category?: string;
  clockSkewMs?: number;
}

function category(err: unknown): string | undefined {
  return (err as ApiErrorLike | null)?.category;
}

export async function runEnumeration(deps: EnumeratorDeps): Promise<RunSummary> {
  const startedAt = deps.clock.now();
  const deadline = startedAt.getTime() + deps.settings.budgetSeconds * 1000;
  const types = await Promise.all(
    deps.settings.contentTypes.map((ct) => enumerateContentType(deps, ct, deadline)),
  );
  const eventIdsCleaned = await cleanupEventIds(deps, deadline);
  const lags = types.map((t) => t.lagMinutes).filter((l): l is number => l !== undefined);
  const summary: RunSummary = {
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock.now().toISOString(),
    types,
    enqueued: types.reduce((n, t) => n + t.enqueued, 0),
    lagMinutes: lags.length > 0 ? Math.max(...lags) : undefined,
    eventIdsCleaned,
    ok: types.every((t) => t.status !== 'error'),
  };
  deps.logger.info('enumerate.summary', {
    lagMinutes: summary.lagMinutes,
    enqueued: summary.enqueued,
    ok: summary.ok,
    types: types.map((t) => ({ ...t })),
  });
  return summary;
}

/**
 * Claims are per tenant, not per content type: one bounded pass per run, after the listing and
 * only within the budget. A failure is logged and retried next run; it never fails the listing.
 */
async function cleanupEventIds(deps: EnumeratorDeps, deadline: number): Promise<number> {
  if (deps.clock.now().getTime() >= deadline) return 0;
  try {
    return await deps.claims.cleanup(deps.settings.tenantId, deps.clock.now(), EVENT_ID_CLEANUP_BATCH);
  } catch (err) {
    deps.logger.error('event_ids.cleanup_failed', { error: err });
    return 0;
  }
}

/** Checkpoint access that re-reads on etag conflicts and never moves `listedThrough` backwards. */
class CheckpointCursor {
  constructor(
    private readonly store: CheckpointStore,
    public checkpoint: Checkpoint,
    private etag: string | undefined,
  ) {}

  static async open(store: CheckpointStore, tenantId: string, ct: ContentType): Promise<CheckpointCursor> {
    const { checkpoint, etag } = await store.read(tenantId, ct);
    return new CheckpointCursor(store, checkpoint, etag);
  }

  /**
   * Apply `change` to the latest checkpoint and write it with its etag. After a lost race `change`
   * runs again on the fresh row, so it must derive its result from the row it is given, not from
   * what this run read earlier. `undefined` from `change` means the row needs no write.
   */
  async update(change: (c: Checkpoint) => Checkpoint | undefined): Promise<void> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const next = change(structuredClone(this.checkpoint));
      if (next === undefined) return;
      const etag = await this.store.write(next, this.etag);
      if (etag !== undefined) {
        this.checkpoint = next;
        this.etag = etag;
        return;
      }
      const fresh = await this.store.read(this.checkpoint.tenantId, this.checkpoint.contentType);
      this.checkpoint = fresh.checkpoint;
      this.etag = fresh.etag;
    }
    throw new PipelineError(
      `checkpoint of ${this.checkpoint.contentType} kept changing under us; giving up this run`,
      {
        retryable: true,
        contentType: this.checkpoint.contentType,
      },
    );
  }

  async advanceTo(end: Date): Promise<void> {
    await this.update((c) => {
      const current = c.listedThrough ? Date.parse(c.listedThrough) : Number.NEGATIVE_INFINITY;
      if (end.getTime() > current) c.listedThrough = end.toISOString();
      return c;
    });
  }
}

async function enumerateContentType(
  deps: EnumeratorDeps,
  ct: ContentType,
  deadline: number,
): Promise<ContentTypeSummary> {
  const { settings, logger, clock } = deps;
  const log = logger.child({ contentType: ct });
  const s: ContentTypeSummary = {
    contentType: ct,
    status: 'ok',
    windowsListed: 0,
    relisted: 0,
    pages: 0,
    itemsListed: 0,
    newItems: 0,
    alreadyKnown: 0,
    enqueued: 0,
    expiredOnListing: 0,
    lostWindows: 0,
    subscriptionStarted: false,
    ledgerRowsCleaned: 0,
  };
  let cursor: CheckpointCursor | undefined;
  try {
    cursor = await CheckpointCursor.open(deps.checkpoints, settings.tenantId, ct);
    s.checkpointBefore = cursor.checkpoint.listedThrough;
    const now = clock.now();
    const plan = planWindows(now, parseDate(cursor.checkpoint.listedThrough), settings);

    if (plan.lost) {
      const horizon = plan.lost.end;
      // Record the loss and move past it in one write, so it is counted once. After a lost race the
      // loss is re-derived from the fresh row: another run may have recorded it or listed past it.
      let recorded: LossRecord | undefined;
      await cursor.update((c) => {
        recorded = recordLoss(c, horizon);
        return recorded?.checkpoint;
      });
      if (recorded) {
        const { window, minutes, extended } = recorded;
        s.lostWindows = 1;
        log.error('window.lost', {
          start: window.start.toISOString(),
          end: window.end.toISOString(),
          minutes,
          extended,
          reason: 'older than the 7-day horizon of the API',
        });
      }
    }

    const work: Array<{ window: TimeWindow; relist: boolean }> = [
      ...(plan.relist ? splitWindow(plan.relist).map((window) => ({ window, relist: true })) : []),
      ...plan.windows.map((window) => ({ window, relist: false })),
    ];
    for (const { window, relist } of work) {
      if (clock.now().getTime() >= deadline) {
        s.status = 'partial';
        s.reason = 'time budget reached; the next run continues from the checkpoint';
        break;
      }
      const room = settings.maxContentPerRun - s.enqueued;
      const listed = await listWithSubscription(deps, cursor, ct, window, s);
      await deps.onStep?.('listed', ct);
      s.pages += listed.pages;
      const r = await enqueueNewContent(
        { ledger: deps.ledger, queue: deps.queue, tenantId: settings.tenantId },
        ct,
        listed.items,
        clock.now(),
        room,
      );
      await deps.onStep?.('enqueued', ct);
      s.itemsListed += r.listed;
      s.alreadyKnown += r.alreadyKnown;
      s.newItems += r.enqueued + r.deferred + r.expired;
      s.enqueued += r.enqueued;
      s.expiredOnListing += r.expired;
      if (relist) s.relisted += 1;
      else s.windowsListed += 1;
      log.info('window.listed', {
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        relist,
        pages: listed.pages,
        items: r.listed,
        enqueued: r.enqueued,
        alreadyKnown: r.alreadyKnown,
        expired: r.expired,
      });
      if (r.expired > 0)
        log.warn('content.expired', {
          count: r.expired,
          start: window.start.toISOString(),
          end: window.end.toISOString(),
        });
      if (r.deferred > 0) {
        s.status = 'partial';
        s.reason = `O365_MAX_CONTENT_PER_RUN (${settings.maxContentPerRun}) reached; ${r.deferred} blobs of this window wait for the next run`;
        break;
      }
      if (!relist) {
        await cursor.advanceTo(window.end);
        await deps.onStep?.('checkpointed', ct);
      }
    }
    s.ledgerRowsCleaned = await deps.ledger.cleanup(settings.tenantId, ct, clock.now(), CLEANUP_BATCH);
  } catch (err) {
    s.status = 'error';
    s.error = errorMessage(err);
    const skew = (err as ApiErrorLike | null)?.clockSkewMs;
    log.error('enumerate.failed', { error: err, clockSkewMs: skew });
  }
  if (cursor) {
    s.checkpointAfter = cursor.checkpoint.listedThrough;
    const through = parseDate(s.checkpointAfter);
    if (through) s.lagMinutes = Math.round((clock.now().getTime() - through.getTime()) / MINUTE_MS);
    try {
      const finishedAt = clock.now();
      await cursor.update((c) => {
        // A run that finished later has already reported; its status stays.
        const last = parseDate(c.lastRunAt);
        if (last && last.getTime() > finishedAt.getTime()) return undefined;
        return {
          ...c,
          lastRunAt: finishedAt.toISOString(),
          lastRunStatus: s.status,
          lastError: s.error ?? (s.status === 'partial' ? s.reason : undefined),
        };
      });
    } catch (err) {
      log.error('checkpoint.status_write_failed', { error: err });
    }
  }
  return s;
}

async function listWithSubscription(
  deps: EnumeratorDeps,
  cursor: CheckpointCursor,
  ct: ContentType,
  window: TimeWindow,
  s: ContentTypeSummary,
) {
  try {
    return await deps.api.listContent(ct, window);
  } catch (err) {
    if (category(err) !== 'resubscribe') throw err;
    if (!deps.settings.autoSubscribe) {
      throw new PipelineError(
        `no enabled subscription for ${ct} (${errorMessage(err)}) and O365_AUTO_SUBSCRIBE is false; run 'o365-pipeline subscriptions start ${ct}'`,
        { retryable: false, contentType: ct, cause: err },
      );
    }
    const now = deps.clock.now();
    // Remember the attempt before making it, so a crash cannot make us hammer /start. The check runs
    // on the row being written: after a lost race it sees the attempt of the run that won.
    await cursor.update((c) => {
      const last = parseDate(c.lastSubscribeAttemptAt);
      if (last && now.getTime() - last.getTime() < SUBSCRIBE_INTERVAL_MS) {
        throw new PipelineError(
          `no enabled subscription for ${ct}; a start was requested at ${last.toISOString()} and the API allows one per 15 minutes`,
          { retryable: true, contentType: ct, cause: err },
        );
      }
      return { ...c, lastSubscribeAttemptAt: now.toISOString() };
    });
    await deps.api.startSubscription(ct);
    s.subscriptionStarted = true;
    deps.logger.warn('subscription.started', { contentType: ct, reason: errorMessage(err) });
    return await deps.api.listContent(ct, window);
  }
}

interface LossRecord {
  checkpoint: Checkpoint;
  window: TimeWindow;
  minutes: number;
  /** The loss continues the last recorded one (same outage), which grows instead of counting again. */
  extended: boolean;
}

/**
 * The loss of `[listedThrough, horizon)` applied to `c`, or `undefined` when there is none: no
 * checkpoint yet, or `listedThrough` already at or past the horizon. Never lowers `listedThrough`.
 */
function recordLoss(c: Checkpoint, horizon: Date): LossRecord | undefined {
  const through = parseDate(c.listedThrough);
  if (!through) return undefined;
  // Whole seconds, as planWindows cuts windows.
  const startMs = Math.floor(through.getTime() / 1000) * 1000;
  const endMs = horizon.getTime();
  if (startMs >= endMs) return undefined;
  const window = { start: new Date(startMs), end: horizon };
  const minutes = Math.round((endMs - startMs) / MINUTE_MS);
  const prev = c.lostWindows;
  const extended = prev.lastEnd !== undefined && Date.parse(prev.lastEnd) === startMs;
  return {
    checkpoint: {
      ...c,
      listedThrough: horizon.toISOString(),
      lostWindows: {
        count: prev.count + (extended ? 0 : 1),
        minutes: prev.minutes + minutes,
        lastStart: extended ? prev.lastStart : window.start.toISOString(),
        lastEnd: horizon.toISOString(),
      },
    },
    window,
    minutes,
    extended,
  };
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}
