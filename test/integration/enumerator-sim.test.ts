/**
 * The timer function against the simulator (HTTPS, real msal-node) and Azurite, with one frozen
 * clock shared by the pipeline and the simulated API, so seven days pass in seconds.
 */
import azureFunctions from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../shared/clock.js';
import type { ContentType } from '../../shared/content-types.js';
import type { RunSummary } from '../../shared/enumerator/enumerate.js';
import type { ContentMessage } from '../../shared/storage/types.js';
import { makeEnumerateHandler } from '../../functions/enumerate-content.js';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.js';

const MIN = 60_000;
let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

async function drain(pipeline: TestPipeline): Promise<ContentMessage[]> {
  const out: ContentMessage[] = [];
  for (;;) {
    const r = await pipeline.rt.clients.queue.receiveMessages({ numberOfMessages: 32 });
    if (r.receivedMessageItems.length === 0) return out;
    for (const m of r.receivedMessageItems) {
      out.push(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as ContentMessage);
      await pipeline.rt.clients.queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

function enumerateOnce(pipeline: TestPipeline): Promise<RunSummary> {
  const handler = makeEnumerateHandler(() => pipeline.rt);
  return handler(
    timer,
    new azureFunctions.InvocationContext({ functionName: 'enumerateContent', logHandler: () => undefined }),
  );
}

describe('enumerateContent (timer function) against the simulator', () => {
  it('a 7-day backfill over successive bounded runs enqueues every content blob exactly once', async () => {
    const clock = new FrozenClock(new Date());
    const types: ContentType[] = ['Audit.Exchange', 'DLP.All'];
    p = await startTestPipeline(
      { clock, hours: 168, eventsPerHour: 60 },
      {
        O365_CONTENT_TYPES: types.join(','),
        O365_INITIAL_LOOKBACK_HOURS: '167',
        O365_MAX_CONTENT_PER_RUN: '50',
        O365_WINDOW_MINUTES: '1440',
      },
      { clock },
    );
    const seen = new Map<string, number>();
    let runs = 0;
    for (; runs < 60; runs++) {
      const summary = await enumerateOnce(p);
      for (const m of await drain(p)) seen.set(m.contentId, (seen.get(m.contentId) ?? 0) + 1);
      clock.advance(5 * MIN);
      if (summary.types.every((t) => t.status === 'ok')) break;
    }
    expect(runs).toBeGreaterThan(5);
    const tenant = p.rt.config.tenantId;
    const horizon = clock.now().getTime() - (7 * 24 * 60 - 10) * MIN;
    const truth = types
      .flatMap((ct) => p!.sim.blobs(tenant, ct))
      .filter(
        (b) =>
          Date.parse(b.contentCreated) >= horizon &&
          Date.parse(b.listableAt) <= clock.now().getTime() - 5 * MIN - 10_000,
      );
    expect(truth.length).toBeGreaterThan(300);
    for (const b of truth) expect(seen.get(b.contentId), b.contentId).toBe(1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const violations = p.sim.requestLog.flatMap((r) => r.violations);
    expect(violations).toEqual([]);
  });

  it('catches a late-listed blob with the trailing re-list, once', async () => {
    const clock = new FrozenClock(new Date());
    p = await startTestPipeline({ clock, hours: 4 }, { O365_CONTENT_TYPES: 'Audit.SharePoint' }, { clock });
    await enumerateOnce(p);
    await drain(p);
    clock.advance(5 * MIN);
    // Created 20 minutes ago (before the checkpoint) but listed only now.
    const late = p.sim.addLateBlob(
      p.rt.config.tenantId,
      'Audit.SharePoint',
      new Date(clock.now().getTime() - 20 * MIN),
      clock.now(),
    );
    await enumerateOnce(p);
    clock.advance(5 * MIN);
    await enumerateOnce(p);
    const ids = (await drain(p)).map((m) => m.contentId);
    expect(ids.filter((id) => id === late.contentId)).toHaveLength(1);
  });

  it('a stopped subscription is started once (AF20023), and the run continues', async () => {
    const clock = new FrozenClock(new Date());
    p = await startTestPipeline(
      { clock, hours: 2 },
      { O365_CONTENT_TYPES: 'Audit.General,Audit.Exchange' },
      { clock },
    );
    p.sim.stopSubscription(p.rt.config.tenantId, 'Audit.General');
    const summary = await enumerateOnce(p);
    const general = summary.types.find((t) => t.contentType === 'Audit.General')!;
    expect(general).toMatchObject({ status: 'ok', subscriptionStarted: true });
    expect(p.sim.requestLog.filter((r) => r.kind === 'start')).toHaveLength(1);
    clock.advance(5 * MIN);
    await enumerateOnce(p);
    expect(p.sim.requestLog.filter((r) => r.kind === 'start')).toHaveLength(1);
  });
});
