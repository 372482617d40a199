/**
 * Two local runners at once on the same storage and tenant: etag-guarded checkpoints, insert-only
 * ledger rows and deterministic blob names must keep every invariant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, killAllChildren } from '../../../tools/chaos/child.js';
import { sampleCheckpoints } from '../../../tools/chaos/invariants.js';
import {
  chaosScale,
  chaosSeed,
  chaosTimeout,
  failureReport,
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

describe('chaos: concurrent runners', () => {
  it(
    'two runners on the same storage: nothing lost, nothing twice, checkpoints never back',
    { timeout: chaosTimeout() },
    async () => {
      const seed = chaosSeed(404);
      await withReplay('concurrency', seed, async () => {
        const size = sizeFor(chaosScale());
        const startedAt = Date.now();
        const stack = await startStack({
          seed,
          ...size,
          faults: { throttle429: 0.03, retryAfterSeconds: 1, internalError: 0.02, truncatedBody: 0.03 },
          env: { O365_WINDOW_MINUTES: '30', O365_MAX_REQUESTS_PER_MINUTE: '900' },
        });
        stacks.push(stack);
        const sampler = sampleCheckpoints(stack);
        const log = await runUntilComplete(stack, {
          plan: (i) => (i === 0 ? 'upload:7' : undefined),
          parallel: 2,
          minAttempts: 1 + size.rounds,
          maxAttempts: 4 + size.rounds,
        });
        const v = await verify(stack, {
          scenario: 'concurrency',
          seed,
          log,
          samples: await sampler.stop(),
          parallel: 2,
          extraFaults: { concurrentRunners: 2 },
          startedAt,
        });
        expect(v.problems, failureReport(v)).toEqual([]);
      });
    },
  );
});
