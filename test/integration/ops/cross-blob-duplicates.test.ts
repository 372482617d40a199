/**
 * Issue 7 acceptance: after `run --once`, every expected event Id appears exactly once across all
 * output blobs. The simulator (like the real API) serves some records in two consecutive blobs;
 * event-Id claims (shared/storage/event-ids.ts) keep the copy of the blob that claimed the Id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../tools/runner/run.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { readOutput, simEnv, simRuntime, trustCaProcessWide } from './harness.js';

describe('output across blobs', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;
  let cwd: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, hours: 4, eventsPerHour: 120 });
    restoreCa = trustCaProcessWide(sim.caPem);
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-xblob-'));
  });
  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('holds every event Id exactly once, even when the API served it in two blobs', async () => {
    const env = simEnv(sim);
    const result = await runPipeline({
      once: true,
      cwd,
      env,
      out: () => undefined,
      err: () => undefined,
      tty: false,
    });
    expect(result.exitCode).toBe(0);
    const rt = await simRuntime(sim, env);
    const count = new Map<string, number>();
    for (const b of await readOutput(rt))
      for (const line of b.lines) {
        const id = (JSON.parse(line) as { id: string }).id;
        count.set(id, (count.get(id) ?? 0) + 1);
      }
    expect(count.size).toBeGreaterThan(0);
    expect([...count].filter(([, n]) => n > 1).map(([id]) => id)).toEqual([]);
  }, 120_000);
});
