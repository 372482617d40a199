/**
 * `npm run bench`: processor throughput against a floor, peak memory per blob size against the
 * peers' buffer-and-parse, API efficiency over a simulated 7-day backfill, cold start of the
 * functions' entry modules, and an end-to-end backfill through the local runner. Every figure is a
 * median of several runs; every ratio compares variants measured side by side in this run.
 *
 *   npm run bench                  full run (≤ 15 min on 2 cores)
 *   npm run bench -- --quick       smoke run (~2 min)
 *   npm run bench -- --e2e-full    only the end-to-end backfill at ≥ 1M events
 *   npm run bench -- --only=throughput,memory,api,cold,e2e   selected sections
 *   npm run bench -- --json=results.json                      also write the raw figures
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchApi } from './api-efficiency.js';
import { benchColdStart } from './cold-start.js';
import { benchE2e } from './e2e.js';
import { BENCH_DIR } from './harness.js';
import { benchMemory } from './memory.js';
import { fmt, mb, table, verdict, type Row } from './stats.js';
import { benchStages, STAGES } from './stages.js';
import { benchThroughput } from './throughput.js';

const SECTIONS = ['cold', 'throughput', 'stages', 'memory', 'api', 'e2e'] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = flag('quick');
const runKind = () =>
  `${quick ? 'quick' : e2eFull ? 'e2e-full' : 'full'}${only ? ` (--only=${only.join(',')})` : ''}`;
const e2eFull = flag('e2e-full');
const only = value('only')?.split(',') as Section[] | undefined;
for (const s of only ?? []) {
  if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (known: ${SECTIONS.join(', ')})`);
}
const wanted = (s: Section) => (only ? only.includes(s) : e2eFull ? s === 'e2e' : true);

const plan = {
  cold: { runs: quick ? 5 : 7 },
  throughput: { reps: 3, hours: quick ? 1 : 2, eventsPerHour: 6000, concurrency: 8 },
  stages: { reps: 3, eventsPerHour: quick ? 2000 : 4000 },
  memory: { sizesMb: quick ? [10, 50] : [10, 50, 100], reps: 3 },
  api: { hours: quick ? 24 : 168, runs: 3, budget: 1500 },
  // ≈ hours × 5 content types × eventsPerHour records.
  // A 7-day run is bound by the request budget (≈ 3,000 blobs at 1,500 requests/min ≥ 2 min), so
  // three of them at 1M events do not fit in 15 minutes: that one is `--e2e-full`.
  e2e: e2eFull
    ? { hours: 168, eventsPerHour: 1250, runs: 3 }
    : quick
      ? { hours: 12, eventsPerHour: 200, runs: 3 }
      : { hours: 24, eventsPerHour: 500, runs: 3 },
};

const note = (s: string) => process.stderr.write(`${s}\n`);
const root = path.resolve(BENCH_DIR, '..', '..', '..');
const rows: Row[] = [];
const raw: Record<string, unknown> = { plan };
const started = Date.now();
const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}, load average at start ${os.loadavg()[0]!.toFixed(1)}`;
note(
  `o365 pipeline benchmarks (${quick ? 'quick' : e2eFull ? 'e2e-full' : 'full'}) — ${new Date().toISOString()}`,
);
note(machine);

if (wanted('cold')) {
  note('cold start …');
  const r = await benchColdStart({ runs: plan.cold.runs, root });
  raw.cold = r;
  rows.push(
    {
      section: 'cold start',
      // What the host loads: package.json `main` (the bundle), against the unbundled entry modules.
      metric: `import main ${r.main} (${r.entries} file${r.entries === 1 ? '' : 's'}), fresh process (n=${r.runs})`,
      value: `${fmt(r.medianImportMs)} ms`,
      ...(r.unbundled
        ? {
            baseline: `unbundled ${r.unbundled.entries} dist/functions/*.js ${fmt(r.unbundled.medianImportMs)} ms`,
            ratio: `${fmt(r.medianImportMs / r.unbundled.medianImportMs, 2)} ×`,
          }
        : {}),
      target: '< 300 ms',
      verdict: verdict(r.medianImportMs < 300),
    },
    {
      section: 'cold start',
      metric: 'process start → entries loaded (n=' + r.runs + ')',
      value: `${fmt(r.medianSinceStartMs)} ms`,
      baseline: `bare node exit ${fmt(r.medianBareNodeMs)} ms`,
    },
    {
      section: 'cold start',
      metric: 'modules loaded (files / in node_modules / builtins)',
      value: `${r.modules} / ${r.dependencyModules} / ${r.builtins}`,
      ...(r.unbundled
        ? {
            baseline: `unbundled ${r.unbundled.modules} / ${r.unbundled.dependencyModules} / ${r.unbundled.builtins}`,
          }
        : {}),
    },
    {
      section: 'cold start',
      metric: 'bytes of modules loaded',
      value: `${mb(r.moduleBytes)} MB`,
      ...(r.unbundled ? { baseline: `unbundled ${mb(r.unbundled.moduleBytes)} MB` } : {}),
    },
    {
      section: 'cold start',
      metric: 'production dependencies installed (packages, bytes)',
      value: `${r.prodPackages} pkgs, ${mb(r.prodBytes)} MB`,
    },
    {
      section: 'cold start',
      // The bundle is one file per chunk: the packages are counted in the unbundled graph.
      metric: `largest packages loaded (modules${r.unbundled ? ', unbundled' : ''})`,
      value: (r.unbundled?.topPackages ?? r.topPackages)
        .slice(0, 6)
        .map((p) => `${p.name} ${p.modules}`)
        .join(', '),
    },
    {
      section: 'cold start',
      metric: `each dependency imported alone (ms, n=${Math.min(5, r.runs)})`,
      value: Object.entries(r.dependencyImportMs)
        .sort((a, b) => b[1] - a[1])
        .map(([d, ms]) => `${d} ${fmt(ms)}`)
        .join(', '),
    },
  );
}

if (wanted('throughput')) {
  note('processor throughput …');
  const r = await benchThroughput(plan.throughput, note);
  raw.throughput = r;
  rows.push(
    {
      section: 'throughput',
      metric: `pipeline events/s (${r.blobs} blobs, ${fmt(r.recordsPerRep)} records, ${mb(r.bytesPerRep)} MB; n=${r.pipelineEps.length}; ${r.retries} retried attempts)`,
      value: fmt(r.medianPipelineEps),
      baseline: `floor ${fmt(r.medianFloorEps)}`,
      ratio: `${fmt(r.medianRatio, 2)} ×`,
      target: '≥ 0.80 × floor',
      verdict: verdict(r.medianRatio >= 0.8),
    },
    {
      section: 'throughput',
      metric: 'pipeline with event-Id claims in memory (no claim table)',
      value: fmt(r.medianMemClaimsEps),
      baseline: `floor ${fmt(r.medianFloorEps)}`,
      ratio: `${fmt(r.medianMemClaimsRatio, 2)} ×`,
    },
    {
      section: 'throughput',
      metric: 'pipeline MB/s of blob JSON',
      value: fmt((r.medianPipelineEps * r.bytesPerRep) / r.recordsPerRep / 2 ** 20, 1),
      baseline: `floor ${fmt((r.medianFloorEps * r.bytesPerRep) / r.recordsPerRep / 2 ** 20, 1)}`,
    },
  );
}

if (wanted('stages')) {
  note('processor stages (CPU, in process) …');
  const r = await benchStages(plan.stages);
  raw.stages = r;
  const floor = r.ms[STAGES[0]]!;
  for (const name of STAGES) {
    const ms = r.ms[name]!;
    rows.push({
      section: 'stages (CPU)',
      metric: `${name}${name === STAGES[0] ? ` (${r.blobs} blobs, ${fmt(r.records)} records, ${mb(r.bytes)} MB; n=${r.reps})` : ''}`,
      value: `${fmt((r.records / ms) * 1000)} ev/s`,
      baseline: `${fmt(ms)} ms`,
      ratio: `${fmt(floor / ms, 2)} × floor`,
    });
  }
}

if (wanted('memory')) {
  note('memory per blob …');
  const r = await benchMemory(plan.memory, note);
  raw.memory = r;
  rows.push({
    section: 'memory',
    metric: `idle child (runtime + token, no blob; n=${r.idleRssKb.length})`,
    value: `${fmt(r.medianIdleKb / 1024)} MB`,
  });
  for (const s of r.sizes) {
    const peer =
      s.peerRssKb.length > 0
        ? `peer ${fmt(s.medianPeerKb / 1024)} MB`
        : `peer failed: ${s.peerErrors[0] ?? ''}`;
    rows.push({
      section: 'memory',
      metric: `peak RSS, one ${mb(s.blobBytes)} MB blob (${fmt(s.records)} records; n=${s.pipelineRssKb.length})`,
      value: `${fmt(s.medianPipelineKb / 1024)} MB`,
      baseline: peer,
      ratio: s.peerRssKb.length > 0 ? `${fmt(s.medianPipelineKb / s.medianPeerKb, 2)} ×` : '',
      target: s.targetMb >= 100 ? '< 256 MB' : '',
      verdict: s.targetMb >= 100 ? verdict(s.medianPipelineKb / 1024 < 256) : '',
    });
  }
  const first = r.sizes[0];
  const last = r.sizes.at(-1);
  if (first && last && last !== first) {
    const growth = (last.medianPipelineKb - first.medianPipelineKb) * 1024;
    const blobGrowth = last.blobBytes - first.blobBytes;
    const peerGrowth = (last.medianPeerKb - first.medianPeerKb) * 1024;
    rows.push({
      section: 'memory',
      metric: `RSS growth per MB of blob (${mb(first.blobBytes, 0)} → ${mb(last.blobBytes, 0)} MB)`,
      value: `${fmt(growth / blobGrowth, 2)} MB/MB`,
      baseline: Number.isFinite(peerGrowth) ? `peer ${fmt(peerGrowth / blobGrowth, 2)} MB/MB` : '',
      target: '≪ 1',
      verdict: verdict(growth / blobGrowth < 0.5),
    });
  }
}

if (wanted('api')) {
  note('API efficiency …');
  const r = await benchApi(plan.api, note);
  raw.api = r;
  const m = r.median;
  rows.push(
    {
      section: 'API',
      metric: `${r.hours} h backfill + 2 padding re-lists: blobs fetched (n=${r.runs.length})`,
      value: fmt(m.blobs),
    },
    {
      section: 'API',
      metric: 'API requests per content blob',
      value: fmt(m.apiRequests / m.blobs, 3),
    },
    {
      section: 'API',
      metric: 'duplicate blob fetches (blobFetchedTwice)',
      value: fmt(Math.max(...r.runs.map((x) => x.duplicateFetches))),
      target: '0',
      verdict: verdict(r.runs.every((x) => x.duplicateFetches === 0)),
    },
    {
      section: 'API',
      metric: 'listing requests per blob fetch',
      value: fmt(m.listRequests / m.blobFetches, 3),
      baseline: `${fmt(m.listRequests)} listings / ${fmt(m.blobFetches)} fetches`,
      target: 'small fraction',
      verdict: verdict(m.listRequests / m.blobFetches < 0.25),
    },
    {
      section: 'API',
      metric: 'max API requests in any 60 s window (worst run)',
      value: fmt(Math.max(...r.runs.map((x) => x.maxPerMinute))),
      baseline: `budget ${r.budget}/min`,
      ratio: `${fmt(Math.max(...r.runs.map((x) => x.maxPerMinute)) / r.budget, 2)} ×`,
      target: '≤ budget',
      verdict: verdict(r.runs.every((x) => x.maxPerMinute <= r.budget)),
    },
    {
      section: 'API',
      metric: 'other API-rule violations',
      value: fmt(m.otherViolations),
      target: '0',
      verdict: verdict(m.otherViolations === 0),
    },
  );
}

if (wanted('e2e')) {
  note('end to end …');
  const r = await benchE2e(plan.e2e, note);
  raw.e2e = r;
  rows.push(
    {
      section: 'end to end',
      metric: `runPipeline once, ${r.hours} h × ${r.eventsPerHour} ev/h × 5 types: events (n=${r.runs.length})`,
      value: fmt(r.medianEvents),
      target: e2eFull ? '≥ 1,000,000' : '',
      verdict: e2eFull ? verdict(r.medianEvents >= 1_000_000) : '',
    },
    { section: 'end to end', metric: 'time until output complete', value: `${fmt(r.medianSeconds, 1)} s` },
    { section: 'end to end', metric: 'events/s (whole run)', value: fmt(r.medianEps) },
    {
      section: 'end to end',
      metric: 'failed / poisoned blobs, exit code (all runs)',
      value: r.runs.map((x) => `${x.failed}/${x.poisoned}/${x.exitCode}`).join(', '),
    },
  );
}

const minutes = (Date.now() - started) / 60_000;
const out = [
  '',
  `O365 pipeline benchmarks — ${new Date().toISOString().slice(0, 10)} — ${runKind()} run, ${minutes.toFixed(1)} min`,
  machine,
  'Medians of n runs; ratios compare variants measured side by side in this run. Loopback only (simulator over HTTPS, Azurite over HTTP).',
  '',
  table(rows),
  '',
].join('\n');
process.stdout.write(out);
const json = value('json');
if (json)
  writeFileSync(
    json,
    JSON.stringify({ date: new Date().toISOString(), machine, minutes, rows, raw }, null, 2),
  );
