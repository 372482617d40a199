/** End to end: a 7-day backfill through the local runner, each run in a fresh process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_DIR, runJsonChild } from './harness.js';
import { median } from './stats.js';

export interface E2eRun {
  exitCode: number;
  seconds: number;
  blobs: number;
  events: number;
  written: number;
  failed: number;
  poisoned: number;
  errors: string[];
}

export interface E2eResult {
  hours: number;
  eventsPerHour: number;
  runs: E2eRun[];
  medianSeconds: number;
  medianEvents: number;
  medianEps: number;
}

export async function benchE2e(
  o: { hours: number; eventsPerHour: number; runs: number },
  note: (s: string) => void,
): Promise<E2eResult> {
  const runs: E2eRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    // An empty working directory: no local.settings.json, no .azurite folder of anyone else.
    const cwd = mkdtempSync(path.join(tmpdir(), 'o365-bench-e2e-'));
    try {
      const r = await runJsonChild<E2eRun>(
        path.join(BENCH_DIR, 'e2e-child.js'),
        [JSON.stringify({ hours: o.hours, eventsPerHour: o.eventsPerHour })],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 3_600_000, cwd },
      );
      if (!r.result) throw new Error(`end-to-end run failed: ${r.error}`);
      note(
        `  e2e run ${i + 1}/${o.runs}: ${r.result.events} events, ${r.result.blobs} blobs in ${r.result.seconds.toFixed(1)} s (exit ${r.result.exitCode})`,
      );
      runs.push(r.result);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  return {
    hours: o.hours,
    eventsPerHour: o.eventsPerHour,
    runs,
    medianSeconds: median(runs.map((r) => r.seconds)),
    medianEvents: median(runs.map((r) => r.events)),
    medianEps: median(runs.map((r) => r.events / r.seconds)),
  };
}
