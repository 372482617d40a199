/**
 * Process faults: the runner (a child process) kills itself with SIGKILL at seeded points — during
 * listing, between enqueue and ledger, between ledger and checkpoint, during an upload — and is
 * restarted until a run completes, with mild API faults on top. At-least-once listing plus
 * idempotent output must give every event exactly once. The runner authenticates with the client
 * certificate from a file, which every restarted process loads again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../../tools/runner/chaos.js';
import { ensureBuilt, killAllChildren } from '../../../tools/chaos/child.js';
import { sampleCheckpoints } from '../../../tools/chaos/invariants.js';
import {
  chaosScale,
  chaosSeed,
  chaosTimeout,
  failureReport,
  rngOf,
  runUntilComplete,
  sizeFor,
  verify,
  withReplay,
} from '../../../tools/chaos/scenario.js';
import { startStack, type Stack } from '../../../tools/chaos/stack.js';

const stacks: Stack[] = [];
beforeAll(() => ensureBuilt(), 300_000);
afterAll(async () => {
  killAllChildren();
  await Promise.all(stacks.map((s) => s.close()));
});

/** How far into each point a crash may come (listing and checkpoints are few; uploads many). */
const REACH: Record<(typeof CRASH_POINTS)[number], number> = {
  list: 6,
  'enqueue-before-ledger': 20,
  'ledger-before-checkpoint': 6,
  upload: 25,
};

describe('chaos: process crashes', () => {
  it(
    'SIGKILL at random points, restarted until done: nothing lost, nothing twice',
    { timeout: chaosTimeout() },
    async () => {
      const seed = chaosSeed(202);
      await withReplay('crashes', seed, async () => {
        const size = sizeFor(chaosScale());
        const crashesWanted = chaosScale() === 'large' ? 12 : 5;
        const rng = rngOf(seed, 1);
        // Every point at least once, then random ones; the last attempt runs clean.
        const plans = Array.from({ length: crashesWanted }, (_, i) => {
          const point = i < CRASH_POINTS.length ? CRASH_POINTS[i]! : rng.pick(CRASH_POINTS);
          return `${point}:${rng.int(1, REACH[point])}`;
        });
        const startedAt = Date.now();
        const stack = await startStack({
          seed,
          auth: 'certificateFile',
          ...size,
          faults: { internalError: 0.02, connectionReset: 0.02, throttle403: 0.02, truncatedBody: 0.02 },
          env: { O365_MAX_REQUESTS_PER_MINUTE: '1200', O365_WINDOW_MINUTES: '60' },
        });
        stacks.push(stack);
        const sampler = sampleCheckpoints(stack);
        const log = await runUntilComplete(stack, {
          plan: (i) => plans[i],
          minAttempts: plans.length + 1,
          maxAttempts: plans.length + 4,
        });
        const v = await verify(stack, {
          scenario: 'crashes',
          seed,
          log,
          samples: await sampler.stop(),
          startedAt,
        });
        expect(v.problems, failureReport(v)).toEqual([]);
        const crashes = Object.values(log.crashes).reduce((a, b) => a + b, 0);
        // A plan beyond what a run reaches is a clean run; most must have hit.
        expect(
          crashes,
          `crashes that happened (seed ${seed}): ${JSON.stringify(log.crashes)}`,
        ).toBeGreaterThanOrEqual(3);
        expect(stack.env.O365_CLIENT_SECRET).toBeUndefined();
        expect(
          stack.sim.requestLog.filter((e) => e.kind === 'token' && e.status === 200).length,
        ).toBeGreaterThan(0);
      });
    },
  );
});
