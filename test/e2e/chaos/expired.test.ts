/**
 * A fault the pipeline cannot overcome: content that expires while its messages wait in the queue
 * (the runner died after listing; it comes back more than 7 days later in the API's clock). Each
 * such blob must end as ledger `expired` with the API's reason, shown by `status`, never silently;
 * content published after the outage is collected as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, killAllChildren } from '../../../tools/chaos/child.js';
import { sampleCheckpoints } from '../../../tools/chaos/invariants.js';
import {
  chaosSeed,
  chaosTimeout,
  failureReport,
  runUntilComplete,
  verify,
  withReplay,
  type RunLog,
} from '../../../tools/chaos/scenario.js';
import { startStack, type Stack } from '../../../tools/chaos/stack.js';

const DAY = 86_400_000;
const stacks: Stack[] = [];
beforeAll(() => ensureBuilt(), 300_000);
afterAll(async () => {
  killAllChildren();
  await Promise.all(stacks.map((s) => s.close()));
});

describe('chaos: expired content', () => {
  it(
    'blobs that expire in the queue are recorded as expired with a reason, the rest is collected',
    { timeout: chaosTimeout() },
    async () => {
      const seed = chaosSeed(505);
      await withReplay('expired', seed, async () => {
        const startedAt = Date.now();
        const stack = await startStack({
          seed,
          hours: 2,
          eventsPerHour: 30,
          contentTypes: ['Audit.Exchange', 'DLP.All'],
        });
        stacks.push(stack);
        const sampler = sampleCheckpoints(stack);
        // 1: list and enqueue everything, die during the third upload.
        const log: RunLog = { attempts: [], outputs: [], crashes: {}, firstRunAt: Date.now() };
        const first = await runUntilComplete(stack, { plan: () => 'upload:3', maxAttempts: 1, log }).catch(
          (err: unknown) => err,
        );
        expect(String(first)).toMatch(/did not complete/);
        // 2: the API is now 7 days and 1 hour later; listings fail (kept out with 500s, which also keeps
        // the checkpoint where it was), blob fetches answer AF20051.
        stack.clockOffsetMs = 7 * DAY + 3_600_000;
        stack.sim.setFaults({ internalError: 1, kinds: ['list', 'content', 'start'] });
        const run = await runUntilComplete(stack, { plan: () => undefined, maxAttempts: 1, log }).catch(
          (err: unknown) => err,
        );
        expect(run).toBeInstanceOf(Error); // enumeration failed on purpose: exit status 1
        // 3: back to normal, with new content listed (late, inside the padding) since the outage:
        // the expired blobs are not fetched again, the new ones are collected.
        stack.clockOffsetMs = 0;
        stack.sim.setFaults({});
        const fresh = stack.contentTypes.map((ct) =>
          stack.sim.addLateBlob(stack.tenant.tenantId, ct, new Date(Date.now() - 5 * 60_000), new Date()),
        );
        await runUntilComplete(stack, { plan: () => undefined, maxAttempts: 2, log });
        const afterExpiry = stack.sim.requestLog
          .filter((e) => e.afCode === 'AF20051')
          .map((e) => e.contentId!);
        expect(afterExpiry.length, `AF20051 answers (seed ${seed})`).toBeGreaterThan(0);
        const v = await verify(stack, {
          scenario: 'expired',
          seed,
          log,
          samples: await sampler.stop(),
          extraBlobs: fresh,
          expiredContentIds: new Set(afterExpiry),
          extraFaults: { expiredBlob: new Set(afterExpiry).size, lateListed: fresh.length },
          startedAt,
        });
        expect(v.problems, failureReport(v)).toEqual([]);
        expect(v.figures.ledger.expired).toBe(new Set(afterExpiry).size);
        // "The rest is collected" checked something: at least the new content's events.
        const freshEvents = new Set(fresh.flatMap((b) => b.eventIds)).size;
        expect(v.figures.eventsChecked, `events checked (seed ${seed})`).toBeGreaterThanOrEqual(freshEvents);
        expect(freshEvents).toBeGreaterThan(0);
      });
    },
  );
});
