/**
 * Storage faults: Azurite (queues, tables, blobs) is stopped mid-run and started again on the same
 * ports and data folder; the runner is restarted until a run completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('chaos: storage outages', () => {
  it(
    'Azurite stopped and restarted mid-run: nothing lost, nothing twice, checkpoints never back',
    { timeout: chaosTimeout() },
    async () => {
      const seed = chaosSeed(303);
      await withReplay('storage-restart', seed, async () => {
        const size = sizeFor(chaosScale());
        const outages = chaosScale() === 'large' ? 4 : 2;
        const rng = rngOf(seed, 3);
        const startedAt = Date.now();
        const stack = await startStack({
          seed,
          ...size,
          faults: { internalError: 0.02, slow: 0.2, slowMs: 150 },
        });
        stacks.push(stack);
        const sampler = sampleCheckpoints(stack);
        let restarts = 0;
        const log = await runUntilComplete(stack, {
          plan: () => undefined,
          minAttempts: outages + 1,
          maxAttempts: outages + 5,
          during: async (attempt) => {
            if (attempt >= outages) return;
            // Wait for the run to be busy (listing or fetching), then pull the plug for a moment.
            const before = stack.sim.requestLog.length;
            const wanted = before + rng.int(3, 30);
            for (let i = 0; i < 1200 && stack.sim.requestLog.length < wanted; i++)
              await new Promise((r) => setTimeout(r, 25));
            await stack.stopAzurite();
            await new Promise((r) => setTimeout(r, rng.int(500, 2500)));
            await stack.startAzuriteAgain();
            restarts += 1;
          },
        });
        const v = await verify(stack, {
          scenario: 'storage-restart',
          seed,
          log,
          samples: await sampler.stop(),
          extraFaults: { azuriteRestart: restarts },
          startedAt,
        });
        expect(v.problems, failureReport(v)).toEqual([]);
        expect(restarts).toBe(outages);
      });
    },
  );
});
