/**
 * Enumerator against real Azurite tables and queues, with an in-memory API double and a frozen
 * clock, so races and crash points can be placed exactly.
 */
import { describe, expect, it } from 'vitest';
import { FrozenClock } from '../../shared/clock.js';
import type { ContentType } from '../../shared/content-types.js';
import { runEnumeration, type EnumeratorDeps, type RunSummary } from '../../shared/enumerator/enumerate.js';
import { memoryLogger } from '../../shared/logger.js';
import { tableCheckpointStore } from '../../shared/storage/checkpoints.js';
import { storageContentQueue } from '../../shared/storage/content-queue.js';
import { tableEventIdClaims } from '../../shared/storage/event-ids.js';
import { tableContentLedger } from '../../shared/storage/ledger.js';
import type { Checkpoint, CheckpointStore, ContentMessage } from '../../shared/storage/types.js';
import { FakeApi } from '../helpers/fake-api.js';
import { testStorage, uniqueName } from '../helpers/storage.js';

const TENANT = '3f2b6c1e-8d4a-4e5f-9a7b-1c2d3e4f5a6b';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

async function setup(
  options: { contentTypes?: ContentType[]; maxContentPerRun?: number; lookbackHours?: number } = {},
) {
  const s = testStorage();
  const queueClient = s.queues.getQueueClient(uniqueName('q'));
  const poison = s.queues.getQueueClient(`${queueClient.name}-poison`);
  await queueClient.create();
  const cpTable = s.table(uniqueName('cp'));
  const ledgerTable = s.table(uniqueName('ledger'));
  const claimsTable = s.table(uniqueName('evid'));
  await cpTable.createTable();
  await ledgerTable.createTable();
  await claimsTable.createTable();
  const clock = new FrozenClock('2026-11-20T12:00:00Z');
  const api = new FakeApi(TENANT, clock);
  const logger = memoryLogger();
  const deps: EnumeratorDeps = {
    api,
    checkpoints: tableCheckpointStore(cpTable),
    ledger: tableContentLedger(ledgerTable),
    queue: storageContentQueue(queueClient, poison),
    claims: tableEventIdClaims(claimsTable),
    clock,
    logger,
    settings: {
      tenantId: TENANT,
      contentTypes: options.contentTypes ?? ['Audit.Exchange'],
      autoSubscribe: true,
      maxContentPerRun: options.maxContentPerRun ?? 500,
      budgetSeconds: 240,
      initialLookbackHours: options.lookbackHours ?? 8,
      windowMinutes: 240,
      paddingMinutes: 60,
    },
  };
  const drain = async (): Promise<ContentMessage[]> => {
    const out: ContentMessage[] = [];
    for (;;) {
      const r = await queueClient.receiveMessages({ numberOfMessages: 32 });
      if (r.receivedMessageItems.length === 0) return out;
      for (const m of r.receivedMessageItems) {
        out.push(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as ContentMessage);
        await queueClient.deleteMessage(m.messageId, m.popReceipt);
      }
    }
  };
  return { deps, api, clock, logger, drain, queueClient };
}

function counts(ids: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

describe('enumerator', () => {
  it('a 7-day backfill over successive bounded runs enqueues every content blob exactly once', async () => {
    const { deps, api, clock, drain } = await setup({ maxContentPerRun: 40, lookbackHours: 167 });
    const start = clock.now().getTime();
    for (let t = start - 166 * HOUR; t < start; t += 20 * MIN) api.add('Audit.Exchange', new Date(t));
    const seen: string[] = [];
    let runs = 0;
    while (runs < 200) {
      runs += 1;
      const summary = await runEnumeration(deps);
      expect(summary.ok).toBe(true);
      seen.push(...(await drain()).map((m) => m.contentId));
      // Content keeps arriving while we catch up.
      api.add('Audit.Exchange', new Date(clock.now().getTime() - MIN));
      clock.advance(5 * MIN);
      if (summary.types[0]!.status === 'ok' && summary.types[0]!.lagMinutes! <= 1) break;
    }
    await runEnumeration(deps);
    seen.push(...(await drain()).map((m) => m.contentId));
    const listable = api.items
      .filter((i) => i.listableAt <= clock.now().getTime() - 10_000)
      .map((i) => i.contentId);
    expect(runs).toBeGreaterThan(10);
    const c = counts(seen);
    for (const id of listable) expect(c.get(id), id).toBe(1);
    expect([...c.values()].every((n) => n === 1)).toBe(true);
    // No request broke the API's window rules.
    for (const call of api.calls.filter((x) => x.op === 'list')) {
      expect(call.window!.end.getTime() - call.window!.start.getTime()).toBeLessThanOrEqual(DAY);
    }
  });

  it('catches content listed late through the trailing re-list, once', async () => {
    const { deps, api, clock, drain } = await setup();
    await runEnumeration(deps);
    const checkpointTime = clock.now().getTime();
    clock.advance(5 * MIN);
    // Created 30 minutes before the checkpoint, but only listed now.
    const late = api.add('Audit.Exchange', new Date(checkpointTime - 30 * MIN), clock.now());
    await runEnumeration(deps);
    clock.advance(5 * MIN);
    await runEnumeration(deps);
    const ids = (await drain()).map((m) => m.contentId);
    expect(ids.filter((id) => id === late.contentId)).toHaveLength(1);
  });

  it('loses nothing when a run crashes between enqueue and ledger, or between ledger and checkpoint', async () => {
    const { deps, api, clock, drain } = await setup();
    const created = api.add('Audit.Exchange', new Date(clock.now().getTime() - 2 * HOUR));
    const realLedger = deps.ledger;
    // Crash 1: the ledger write fails right after the message was sent.
    const crashingLedger = {
      ...realLedger,
      recordEnqueued: () => Promise.reject(new Error('process killed')),
    };
    const first = await runEnumeration({ ...deps, ledger: crashingLedger });
    expect(first.ok).toBe(false);
    // Empty windows before it may advance, but never past the window whose ledger write crashed.
    const afterCrash = (await deps.checkpoints.read(TENANT, 'Audit.Exchange')).checkpoint.listedThrough;
    expect(afterCrash === undefined || afterCrash <= created.contentCreated).toBe(true);
    // Crash 2: after the ledger row, before the checkpoint.
    const second = await runEnumeration({
      ...deps,
      onStep: (step) => {
        if (step === 'enqueued') throw new Error('killed');
      },
    });
    expect(second.ok).toBe(false);
    // Recovery run.
    clock.advance(5 * MIN);
    const third = await runEnumeration(deps);
    expect(third.ok).toBe(true);
    const ids = (await drain()).map((m) => m.contentId);
    // At least once (crash 1 re-enqueues: idempotent downstream), never lost; crash 2 is absorbed by the ledger.
    expect(ids.filter((id) => id === created.contentId)).toHaveLength(2);
    const row = await deps.ledger.get(TENANT, 'Audit.Exchange', created.contentId, created.contentCreated);
    expect(row?.state).toBe('enqueued');
    expect((await deps.checkpoints.read(TENANT, 'Audit.Exchange')).checkpoint.listedThrough).toBeDefined();
  });

  it('two enumerators racing on one checkpoint lose nothing and never move it backwards', async () => {
    const { deps, api, clock, drain } = await setup();
    for (let t = clock.now().getTime() - 7 * HOUR; t < clock.now().getTime(); t += 7 * MIN)
      api.add('Audit.Exchange', new Date(t));
    const history: string[] = [];
    const recording: CheckpointStore = {
      ...deps.checkpoints,
      write: async (c: Checkpoint, etag) => {
        const r = await deps.checkpoints.write(c, etag);
        if (r !== undefined && c.listedThrough) history.push(c.listedThrough);
        return r;
      },
    };
    const [a, b] = await Promise.all([
      runEnumeration({ ...deps, checkpoints: recording }),
      runEnumeration({ ...deps, checkpoints: recording }),
    ]);
    expect(a.ok && b.ok).toBe(true);
    for (let i = 1; i < history.length; i++) expect(history[i]! >= history[i - 1]!).toBe(true);
    const ids = new Set((await drain()).map((m) => m.contentId));
    for (const item of api.items) expect(ids.has(item.contentId)).toBe(true);
    const final = await deps.checkpoints.read(TENANT, 'Audit.Exchange');
    expect(final.checkpoint.listedThrough).toBe(new Date(clock.now().getTime() - 10_000).toISOString());
  });

  it('AF20022 starts the subscription once, and not again within 15 minutes', async () => {
    const { deps, api, clock } = await setup({ contentTypes: ['Audit.General', 'DLP.All'] });
    api.subscriptions.delete('Audit.General');
    api.add('Audit.General', new Date(clock.now().getTime() - HOUR));
    const first = await runEnumeration(deps);
    expect(first.types.find((t) => t.contentType === 'Audit.General')).toMatchObject({
      status: 'ok',
      subscriptionStarted: true,
      enqueued: 1,
    });
    expect(api.calls.filter((c) => c.op === 'start')).toHaveLength(1);
    // Disabled again by an admin: the next run is within 15 minutes, so no second start, a clear error instead.
    api.subscriptions.set('Audit.General', 'disabled');
    clock.advance(5 * MIN);
    const second = await runEnumeration(deps);
    const general = second.types.find((t) => t.contentType === 'Audit.General')!;
    expect(general.status).toBe('error');
    expect(general.error).toContain('one per 15 minutes');
    expect(second.types.find((t) => t.contentType === 'DLP.All')!.status).toBe('ok');
    expect(api.calls.filter((c) => c.op === 'start')).toHaveLength(1);
    clock.advance(15 * MIN);
    expect((await runEnumeration(deps)).ok).toBe(true);
    expect(api.calls.filter((c) => c.op === 'start')).toHaveLength(2);
  });

  it('records a range lost to the 7-day horizon once, in the checkpoint and the log', async () => {
    const { deps, clock, logger } = await setup();
    await deps.checkpoints.write(
      {
        tenantId: TENANT,
        contentType: 'Audit.Exchange',
        listedThrough: new Date(clock.now().getTime() - 9 * DAY).toISOString(),
        lostWindows: { count: 0, minutes: 0 },
      },
      undefined,
    );
    await runEnumeration(deps);
    clock.advance(5 * MIN);
    await runEnumeration(deps);
    const cp = (await deps.checkpoints.read(TENANT, 'Audit.Exchange')).checkpoint;
    expect(cp.lostWindows.count).toBe(1);
    expect(cp.lostWindows.minutes).toBe(2 * 24 * 60 + 10);
    expect(logger.records.filter((r) => r.event === 'window.lost' && r.level === 'error')).toHaveLength(1);
  });

  it('records content that is already expired when listed as expired instead of dropping it', async () => {
    const { deps, api, clock } = await setup();
    const item = api.add('Audit.Exchange', new Date(clock.now().getTime() - HOUR));
    item.contentExpiration = new Date(clock.now().getTime() - MIN).toISOString();
    const s = await runEnumeration(deps);
    expect(s.types[0]!.expiredOnListing).toBe(1);
    const row = await deps.ledger.get(TENANT, 'Audit.Exchange', item.contentId, item.contentCreated);
    expect(row).toMatchObject({ state: 'expired' });
    expect(row?.lastError).toContain('contentExpiration');
  });

  it('deletes ledger rows past contentExpiration + 1 day, in bounded batches, and keeps younger ones', async () => {
    const { deps, clock } = await setup();
    const now = clock.now().getTime();
    const rows = (createdDaysAgo: number, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const created = new Date(now - createdDaysAgo * DAY - i * MIN);
        return {
          v: 1 as const,
          tenantId: TENANT,
          contentType: 'Audit.Exchange' as const,
          contentId: `old-${createdDaysAgo}-${i}`,
          contentUri: `https://manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/old-${createdDaysAgo}-${i}`,
          contentCreated: created.toISOString(),
          contentExpiration: new Date(created.getTime() + 7 * DAY).toISOString(),
          listedAt: created.toISOString(),
          state: 'done' as const,
        };
      });
    const stale = rows(10, 30); // expired 3 days ago: past expiration + 1 day
    const fresh = rows(2, 5);
    for (const r of [...stale, ...fresh]) await deps.ledger.recordEnqueued(r);
    expect(await deps.ledger.cleanup(TENANT, 'Audit.Exchange', clock.now(), 20)).toBe(20);
    expect(await deps.ledger.cleanup(TENANT, 'Audit.Exchange', clock.now(), 20)).toBe(10);
    expect(await deps.ledger.cleanup(TENANT, 'Audit.Exchange', clock.now(), 20)).toBe(0);
    for (const r of fresh)
      expect(await deps.ledger.get(TENANT, 'Audit.Exchange', r.contentId, r.contentCreated)).toBeDefined();
    for (const r of stale)
      expect(await deps.ledger.get(TENANT, 'Audit.Exchange', r.contentId, r.contentCreated)).toBeUndefined();
  });
});

/**
 * Checkpoint races placed exactly: run B's first checkpoint write waits until run A has finished,
 * so B writes with a stale etag, loses (412/409), and must re-derive its change from the fresh row.
 */
describe('enumerator: a run that loses the checkpoint race', () => {
  interface Recorder {
    history: string[];
    /** Store for run B: before its first write, `before` runs (run A, to completion). */
    losing(before: () => Promise<unknown>): CheckpointStore;
    winning(): CheckpointStore;
    conflicts: number;
  }

  function recorder(store: CheckpointStore): Recorder {
    const r: Recorder = {
      history: [],
      conflicts: 0,
      losing: (before) => {
        let first = true;
        return {
          ...store,
          write: async (c, etag) => {
            if (first) {
              first = false;
              await before();
            }
            const out = await store.write(c, etag);
            if (out === undefined) r.conflicts += 1;
            else if (c.listedThrough) r.history.push(c.listedThrough);
            return out;
          },
        };
      },
      winning: () => ({
        ...store,
        write: async (c, etag) => {
          const out = await store.write(c, etag);
          if (out !== undefined && c.listedThrough) r.history.push(c.listedThrough);
          return out;
        },
      }),
    };
    return r;
  }

  async function staleCheckpoint(deps: EnumeratorDeps, listedThrough: Date) {
    await deps.checkpoints.write(
      {
        tenantId: TENANT,
        contentType: 'Audit.Exchange',
        listedThrough: listedThrough.toISOString(),
        lostWindows: { count: 0, minutes: 0 },
      },
      undefined,
    );
  }

  function nonDecreasing(history: string[]) {
    for (let i = 1; i < history.length; i++)
      expect(history[i]! >= history[i - 1]!, `${history[i - 1]} then ${history[i]}`).toBe(true);
  }

  it('records a range lost to the horizon once and never moves listedThrough back to the horizon', async () => {
    const { deps, api, clock, logger, drain } = await setup();
    const now = clock.now().getTime();
    for (let t = now - 7 * HOUR; t < now; t += 30 * MIN) api.add('Audit.Exchange', new Date(t));
    const outageStart = new Date(now - 9 * DAY);
    await staleCheckpoint(deps, outageStart);
    const rec = recorder(deps.checkpoints);
    let a: RunSummary | undefined;
    const b = await runEnumeration({
      ...deps,
      checkpoints: rec.losing(async () => {
        a = await runEnumeration({ ...deps, checkpoints: rec.winning() });
      }),
    });
    // The race happened: B's loss record was written with the etag A had made stale.
    expect(rec.conflicts).toBeGreaterThanOrEqual(1);
    expect(a?.ok && b.ok).toBe(true);
    nonDecreasing(rec.history);
    const horizon = new Date(now - 7 * DAY + 10 * MIN).toISOString();
    const cp = (await deps.checkpoints.read(TENANT, 'Audit.Exchange')).checkpoint;
    expect(cp.listedThrough).toBe(new Date(now - 10_000).toISOString());
    expect(cp.lostWindows).toEqual({
      count: 1,
      minutes: 2 * 24 * 60 + 10,
      lastStart: outageStart.toISOString(),
      lastEnd: horizon,
    });
    expect(a!.types[0]!.lostWindows).toBe(1);
    expect(b.types[0]!.lostWindows).toBe(0);
    expect(logger.records.filter((r) => r.event === 'window.lost' && r.level === 'error')).toHaveLength(1);
    const c = counts((await drain()).map((m) => m.contentId));
    for (const item of api.items) expect(c.get(item.contentId), item.contentId).toBe(1);
  });

  it('after a lost race, records only the part of the range still before the fresh checkpoint', async () => {
    const { deps, clock, logger } = await setup();
    const now = clock.now().getTime();
    const outageStart = new Date(now - 9 * DAY);
    await staleCheckpoint(deps, outageStart);
    // A runs 5 minutes earlier than B and records the loss up to its own horizon, then fails to list.
    const clockA = new FrozenClock(new Date(now - 5 * MIN));
    const apiA = new FakeApi(TENANT, clockA);
    apiA.subscriptions.delete('Audit.Exchange');
    const rec = recorder(deps.checkpoints);
    let a: RunSummary | undefined;
    const b = await runEnumeration({
      ...deps,
      checkpoints: rec.losing(async () => {
        a = await runEnumeration({
          ...deps,
          api: apiA,
          clock: clockA,
          checkpoints: rec.winning(),
          settings: { ...deps.settings, autoSubscribe: false },
        });
      }),
    });
    expect(rec.conflicts).toBeGreaterThanOrEqual(1);
    expect(a?.types[0]!.status).toBe('error');
    expect(b.ok).toBe(true);
    nonDecreasing(rec.history);
    const horizonA = new Date(now - 5 * MIN - 7 * DAY + 10 * MIN);
    const horizonB = new Date(now - 7 * DAY + 10 * MIN);
    const cp = (await deps.checkpoints.read(TENANT, 'Audit.Exchange')).checkpoint;
    // One outage, one lost window: B's 5 minutes extend A's 2 d 5 min instead of counting it again.
    expect(cp.lostWindows).toEqual({
      count: 1,
      minutes: 2 * 24 * 60 + 5 + 5,
      lastStart: outageStart.toISOString(),
      lastEnd: horizonB.toISOString(),
    });
    const lost = logger.records.filter((r) => r.event === 'window.lost' && r.level === 'error');
    expect(lost.map((r) => [r.start, r.end])).toEqual([
      [outageStart.toISOString(), horizonA.toISOString()],
      [horizonA.toISOString(), horizonB.toISOString()],
    ]);
    expect(cp.listedThrough).toBe(new Date(now - 10_000).toISOString());
  });

  it('does not start the subscription again when the run that won the race already did', async () => {
    const { deps, api } = await setup();
    api.subscriptions.delete('Audit.Exchange');
    const rec = recorder(deps.checkpoints);
    let a: RunSummary | undefined;
    const b = await runEnumeration({
      ...deps,
      checkpoints: rec.losing(async () => {
        a = await runEnumeration({ ...deps, checkpoints: rec.winning() });
      }),
    });
    expect(rec.conflicts).toBeGreaterThanOrEqual(1);
    expect(a?.types[0]).toMatchObject({ status: 'ok', subscriptionStarted: true });
    expect(b.types[0]!.subscriptionStarted).toBe(false);
    expect(b.types[0]!.error).toContain('one per 15 minutes');
    expect(api.calls.filter((c) => c.op === 'start')).toHaveLength(1);
    nonDecreasing(rec.history);
  });
});
