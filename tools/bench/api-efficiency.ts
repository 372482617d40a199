/**
 * API efficiency over a simulated 7-day backfill: a first enumeration (initial look-back 167 h),
 * the queue drained through the processor, then two more enumerations whose padding re-lists the
 * recent windows, each drained again. Counted from the simulator's request log: requests per
 * content blob, listing requests, duplicate blob fetches ('blobFetchedTwice'), and the most API
 * requests in any sliding 60 s window against O365_MAX_REQUESTS_PER_MINUTE.
 */
import azureFunctions from '@azure/functions';
import { runEnumeration } from '../../shared/enumerator/enumerate.js';
import { processContentMessage } from '../../shared/processor/process-content.js';
import { createRuntime, enumeratorDeps, ensureStorage, processorDeps } from '../../shared/runtime.js';
import { startAzurite } from '../azurite.js';
import { QueueDriver } from '../runner/queue-driver.js';
import { quietLogger, startSimChild, tenantEnv } from './harness.js';
import { median } from './stats.js';

export interface ApiRun {
  blobs: number;
  blobFetches: number;
  listRequests: number;
  apiRequests: number;
  duplicateFetches: number;
  otherViolations: number;
  maxPerMinute: number;
  enqueuedByRelists: number;
  seconds: number;
}

export interface ApiResult {
  hours: number;
  budget: number;
  runs: ApiRun[];
  median: { [K in keyof ApiRun]: number };
}

/** Most entries in any window [t, t + 60 s). */
export function maxInSlidingMinute(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= 60_000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

async function oneRun(o: { hours: number; budget: number; seed: number }): Promise<ApiRun> {
  const started = performance.now();
  const azurite = await startAzurite();
  // Two blobs per hour per content type keep a week short to run (the simulator's default is 3–8);
  // listing then weighs more per blob than in a busy tenant, so the listing share is an upper bound.
  // (One per hour would put ~0.27 listings per blob: the density, not the enumerator, decides it.)
  const sim = await startSimChild({ seed: o.seed, hours: o.hours, eventsPerHour: 200, blobsPerHour: 2 });
  try {
    const rt = createRuntime({
      env: tenantEnv(sim.info, azurite.connectionString, {
        O365_INITIAL_LOOKBACK_HOURS: String(o.hours - 1),
        O365_MAX_CONTENT_PER_RUN: '100000',
        O365_MAX_REQUESTS_PER_MINUTE: String(o.budget),
      }),
      extraCaPem: sim.info.caPem,
      logger: quietLogger(),
    });
    await ensureStorage(rt);
    const driver = new QueueDriver({
      queue: rt.clients.queue,
      poison: rt.clients.poison,
      settings: rt.queueTrigger,
      functionName: 'processContent',
      logger: rt.logger,
      logHandler: () => undefined,
      handler: (entry, context: InstanceType<typeof azureFunctions.InvocationContext>) =>
        processContentMessage(entry, Number(context.triggerMetadata?.dequeueCount ?? 1), processorDeps(rt)),
    });
    const enumerate = () => runEnumeration(enumeratorDeps(rt));
    const first = await enumerate();
    if (!first.ok) throw new Error('first enumeration failed');
    await driver.drain();
    let enqueuedByRelists = 0;
    for (let i = 0; i < 2; i++) {
      const again = await enumerate();
      enqueuedByRelists += again.enqueued;
      await driver.drain();
    }
    const log = await sim.requestLog();
    const api = log.filter((e) => e.kind !== 'token');
    const blobs = new Set(api.filter((e) => e.kind === 'blob' && e.status === 200).map((e) => e.url));
    const violations = api.flatMap((e) => e.violations);
    return {
      blobs: blobs.size,
      blobFetches: api.filter((e) => e.kind === 'blob').length,
      listRequests: api.filter((e) => e.kind === 'content').length,
      apiRequests: api.length,
      duplicateFetches: violations.filter((v) => v === 'blobFetchedTwice').length,
      otherViolations: violations.filter((v) => v !== 'blobFetchedTwice').length,
      maxPerMinute: maxInSlidingMinute(api.map((e) => Date.parse(e.at))),
      enqueuedByRelists,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await sim.close();
    await azurite.stop();
  }
}

export async function benchApi(
  o: { hours: number; runs: number; budget: number },
  note: (s: string) => void,
): Promise<ApiResult> {
  const runs: ApiRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await oneRun({ hours: o.hours, budget: o.budget, seed: 21 + i });
    note(
      `  api run ${i + 1}/${o.runs}: ${r.blobs} blobs, ${r.apiRequests} API requests, ${r.listRequests} listings, ` +
        `${r.duplicateFetches} duplicate fetches, max ${r.maxPerMinute}/60 s, ${r.seconds.toFixed(0)} s`,
    );
    runs.push(r);
  }
  const keys = Object.keys(runs[0]!) as Array<keyof ApiRun>;
  const med = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as ApiResult['median'];
  return { hours: o.hours, budget: o.budget, runs, median: med };
}
