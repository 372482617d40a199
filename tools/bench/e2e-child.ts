/**
 * The end-to-end run in a fresh process: `runPipeline({ once: true })` — embedded Azurite (in
 * memory) and the built-in simulated tenant, the same code path as `npm start -- --once`.
 */
import { runPipeline } from '../runner/run.js';

const o = JSON.parse(process.argv[2] ?? '{}') as { hours: number; eventsPerHour: number };
const errors: string[] = [];
const t0 = performance.now();
const result = await runPipeline({
  once: true,
  cwd: process.cwd(),
  env: {
    PATH: process.env.PATH,
    O365_INITIAL_LOOKBACK_HOURS: String(o.hours - 1),
    O365_MAX_CONTENT_PER_RUN: '100000',
  },
  out: () => undefined,
  err: (line) => {
    if (/"level":"error"|failed/.test(line)) errors.push(line.slice(0, 300));
  },
  tty: false,
  verbose: false,
  dataDir: null,
  simulator: { seed: 3, hours: o.hours, eventsPerHour: o.eventsPerHour },
});
const seconds = (performance.now() - t0) / 1000;
const t = result.stats.totals();
process.stdout.write(
  `${JSON.stringify({
    exitCode: result.exitCode,
    seconds,
    blobs: t.processed,
    events: t.events,
    written: t.written,
    failed: t.failed,
    poisoned: t.poisoned,
    errors: errors.slice(0, 3),
  })}\n`,
);
process.exit(0);
