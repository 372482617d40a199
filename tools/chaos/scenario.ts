/**
 * Running a chaos scenario: the runner as a child process, restarted until a run completes, with
 * every invariant checked afterwards and the figures recorded. Failures name the seed.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mulberry32, type Rng } from '../simulator/prng.js';
import type { BlobTruth } from '../simulator/types.js';
import { runCli, type ChildResult } from './child.js';
import {
  checkCheckpointSamples,
  checkLedger,
  checkOutputs,
  checkRequests,
  expectedBlobs,
  readOutputs,
  sampleCheckpoints,
} from './invariants.js';
import { dlpDetectedValues, needlesFor, scanForLeaks, type LeakHit } from './leaks.js';
import type { Stack } from './stack.js';

export type ChaosScale = 'ci' | 'large';

export function chaosScale(env: Record<string, string | undefined> = process.env): ChaosScale {
  return env.CHAOS_SCALE === 'large' ? 'large' : 'ci';
}

/** Size of the generated tenant per scale: hours of history and events per hour per content type. */
export function sizeFor(scale: ChaosScale): { hours: number; eventsPerHour: number; rounds: number } {
  return scale === 'large'
    ? { hours: 12, eventsPerHour: 400, rounds: 4 }
    : { hours: 3, eventsPerHour: 40, rounds: 1 };
}

/** Per-scenario time limit: generous at CI size, much longer for the manual large runs. */
export function chaosTimeout(scale: ChaosScale = chaosScale()): number {
  return scale === 'large' ? 1_800_000 : 300_000;
}

/** CHAOS_SEED replays one seed; otherwise the scenario's own. */
export function chaosSeed(fallback: number, env: Record<string, string | undefined> = process.env): number {
  const s = Number(env.CHAOS_SEED);
  return Number.isInteger(s) && s > 0 ? s : fallback;
}

/** The command that replays a seed at the current scale. */
export function replayCommand(seed: number, scale: ChaosScale = chaosScale()): string {
  return `CHAOS_SEED=${seed} CHAOS_SCALE=${scale} npx vitest run test/e2e/chaos`;
}

/**
 * Run a scenario's body so that any failure names the seed and the replay command: a broken
 * invariant, a runner that did not complete or timed out, a failed expectation, and the scenario's
 * own time limit, which ends the body `marginMs` before vitest's so the message is ours.
 */
export async function withReplay<T>(
  scenario: string,
  seed: number,
  body: () => Promise<T>,
  o: { timeoutMs?: number; marginMs?: number } = {},
): Promise<T> {
  const hint = `chaos scenario ${scenario}, seed ${seed} (replay: ${replayCommand(seed)})`;
  const limit = (o.timeoutMs ?? chaosTimeout()) - (o.marginMs ?? 20_000);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${limit} ms`)), limit);
  });
  try {
    return await Promise.race([body(), deadline]);
  } catch (err) {
    if (!(err instanceof Error)) throw new Error(`${hint}: ${String(err)}`);
    if (!err.message.includes(`CHAOS_SEED=${seed} `)) err.message = `${hint}: ${err.message}`;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export function rngOf(seed: number, salt: number): Rng {
  return mulberry32((seed * 2654435761 + salt) >>> 0);
}

/** Where each scenario appends its figures (one JSON line); CHAOS_FIGURES_FILE chooses another file. */
export const FIGURES_FILE =
  process.env.CHAOS_FIGURES_FILE ?? path.join(tmpdir(), 'o365-chaos-figures.ndjson');

export interface Attempt {
  crashAt?: string;
  results: ChildResult[];
  from: number;
  to: number;
}

export interface RunLog {
  attempts: Attempt[];
  outputs: string[];
  crashes: Record<string, number>;
  firstRunAt: number;
}

/**
 * Start the runner (`parallel` copies at once) with `plan(i)` as O365_CHAOS_CRASH_AT until one
 * attempt ends with every process exiting 0, at most `maxAttempts` times.
 */
export async function runUntilComplete(
  stack: Stack,
  o: {
    plan: (attempt: number) => string | undefined;
    maxAttempts: number;
    /** Keep starting runs (like further timer runs) until at least this many attempts were made. */
    minAttempts?: number;
    parallel?: number;
    timeoutMs?: number;
    during?: (attempt: number, children: Promise<ChildResult[]>) => Promise<void>;
    log?: RunLog;
    extraEnv?: (attempt: number) => Record<string, string>;
  },
): Promise<RunLog> {
  const log: RunLog = o.log ?? { attempts: [], outputs: [], crashes: {}, firstRunAt: Date.now() };
  for (let i = 0; i < o.maxAttempts; i++) {
    const crashAt = o.plan(i);
    const env = { ...stack.env, ...(crashAt ? { O365_CHAOS_CRASH_AT: crashAt } : {}), ...o.extraEnv?.(i) };
    const from = Date.now();
    const children = Promise.all(
      Array.from({ length: o.parallel ?? 1 }, () =>
        runCli(['run', '--once', '--verbose'], env, {
          timeoutMs: o.timeoutMs ?? (chaosScale() === 'large' ? 600_000 : 120_000),
        }),
      ),
    );
    if (o.during) await o.during(i, children);
    const results = await children;
    log.attempts.push({ crashAt, results, from, to: Date.now() });
    for (const r of results) {
      log.outputs.push(r.stdout, r.stderr);
      if (r.crashed) {
        const point = /point=(\S+)/.exec(r.crashed)?.[1] ?? '?';
        log.crashes[point] = (log.crashes[point] ?? 0) + 1;
      }
      if (r.timedOut)
        throw new Error(
          `runner timed out after ${r.ms} ms (seed ${stack.seed}, attempt ${i}, crash plan ${crashAt ?? 'none'}; replay: ${replayCommand(stack.seed)})\n${r.stderr.slice(-3000)}`,
        );
    }
    if (results.every((r) => r.code === 0) && i + 1 >= (o.minAttempts ?? 1)) return log;
  }
  const last = log.attempts
    .at(-1)
    ?.results.map((r) => `exit ${r.code} ${r.signal ?? ''}\n${r.stderr.slice(-3000)}`);
  throw new Error(
    `the runner did not complete within ${o.maxAttempts} attempts (seed ${stack.seed}; replay: ${replayCommand(stack.seed)}); last:\n${last?.join('\n---\n')}`,
  );
}

export interface Figures {
  scenario: string;
  seed: number;
  scale: ChaosScale;
  /** How the runner authenticated (stack.ts). */
  auth: string;
  attempts: number;
  faults: Record<string, number>;
  eventsChecked: number;
  blobs: number;
  lost: number;
  duplicated: number;
  leaks: number;
  requests: number;
  refetchedBlobs: number;
  ledger: Record<string, number>;
  ms: number;
}

export interface Verdict {
  figures: Figures;
  problems: string[];
  leaks: LeakHit[];
  /** Every captured process output of a failed scenario, for the post-mortem. */
  logFile?: string;
}

/** Every invariant of the suite, against ground truth; `problems` empty = pass. */
export async function verify(
  stack: Stack,
  o: {
    scenario: string;
    seed: number;
    log: RunLog;
    samples: Awaited<ReturnType<ReturnType<typeof sampleCheckpoints>['stop']>>;
    extraBlobs?: BlobTruth[];
    expiredContentIds?: ReadonlySet<string>;
    filteredIds?: ReadonlySet<string>;
    extraFaults?: Record<string, number>;
    /** Runner processes at once (the request budget is per process). */
    parallel?: number;
    allowFailed?: boolean;
    startedAt: number;
  },
): Promise<Verdict> {
  const problems: string[] = [];
  const expected = expectedBlobs(stack, o.log.firstRunAt, o.extraBlobs);
  if (expected.length === 0) problems.push('the scenario has no expected content (generator too small)');
  const outputs = await readOutputs(stack);
  const out = checkOutputs(expected, outputs, o);
  problems.push(...out.problems);
  problems.push(...checkCheckpointSamples(o.samples));
  const perMinute = Number(stack.env.O365_MAX_REQUESTS_PER_MINUTE ?? 1500);
  const req = checkRequests(
    stack.sim.requestLog,
    perMinute,
    o.log.attempts.map((a) => ({ from: a.from, to: a.to, processes: o.parallel ?? 1 })),
  );
  problems.push(...req.problems);
  const ledger = await checkLedger(stack, expected, Date.now());
  problems.push(...ledger.problems);
  for (const e of ledger.expired)
    if (!o.expiredContentIds?.has(e.contentId))
      problems.push(`unexpected expired blob ${e.contentId}: ${e.lastError}`);
  for (const id of o.expiredContentIds ?? [])
    if (!ledger.expired.some((e) => e.contentId === id))
      problems.push(`blob ${id} expired in the API but the ledger does not say so`);

  // status --json, as an operator would see it.
  const status = await runCli(['status', '--json'], stack.env, { timeoutMs: 60_000 });
  o.log.outputs.push(status.stdout, status.stderr);
  if (status.code !== 0) problems.push(`status --json exited ${status.code}: ${status.stderr.slice(-500)}`);
  else {
    const report = JSON.parse(status.stdout.slice(status.stdout.indexOf('{'))) as {
      queue: { depth: number; poison: number };
      contentTypes: Array<{
        contentType: string;
        ledger: Record<string, number>;
        problems: Array<{ state: string; lastError?: string }>;
      }>;
    };
    if (report.queue.depth !== 0 || report.queue.poison !== 0)
      problems.push(`status: queue ${report.queue.depth}, poison ${report.queue.poison} after completion`);
    const total = (s: string) => report.contentTypes.reduce((n, t) => n + (t.ledger[s] ?? 0), 0);
    for (const s of ['done', 'failed', 'expired', 'enqueued'])
      if (total(s) !== (ledger.states[s] ?? 0))
        problems.push(`status says ${total(s)} ${s}, the ledger holds ${ledger.states[s] ?? 0}`);
    if (total('enqueued') > 0) problems.push(`status: ${total('enqueued')} blobs still enqueued`);
    if (!o.allowFailed && total('failed') > 0) problems.push(`status: ${total('failed')} blobs failed`);
    for (const t of report.contentTypes)
      for (const p of t.problems)
        if (!p.lastError)
          problems.push(`status lists a ${p.state} blob of ${t.contentType} without a reason`);
  }

  const texts = o.log.outputs.map((text, i) => ({ source: `${o.scenario} process output #${i}`, text }));
  const needles = needlesFor(stack.tenant, dlpDetectedValues(stack.sim, expected));
  const outputTexts = outputs.map((b) => ({ source: `output blob ${b.name}`, text: b.text }));
  const leaks = [...scanForLeaks(texts, needles), ...scanForLeaks(outputTexts, needles)];
  problems.push(...leaks.map((l) => `leak: ${l.kind} in ${l.source} at ${l.excerpt}`));

  const faults: Record<string, number> = { ...req.faults, ...o.extraFaults };
  for (const [k, v] of Object.entries(o.log.crashes)) faults[`crash:${k}`] = v;
  const figures: Figures = {
    scenario: o.scenario,
    seed: o.seed,
    scale: chaosScale(),
    auth: stack.auth,
    attempts: o.log.attempts.length,
    faults,
    eventsChecked: out.eventsChecked,
    blobs: out.blobs,
    lost: out.lost,
    duplicated: out.duplicated,
    leaks: leaks.length,
    requests: req.requests,
    refetchedBlobs: req.refetched,
    ledger: ledger.states,
    ms: Date.now() - o.startedAt,
  };
  appendFileSync(FIGURES_FILE, `${JSON.stringify(figures)}\n`);
  let logFile: string | undefined;
  if (problems.length > 0) {
    logFile = path.join(tmpdir(), `o365-chaos-${o.scenario}-${o.seed}.log`);
    writeFileSync(logFile, texts.map((t) => `===== ${t.source}\n${t.text}`).join('\n'));
  }
  return { figures, problems, leaks, logFile };
}

/** The message a failing scenario ends with: what broke and how to replay it. */
export function failureReport(v: Verdict): string {
  return `chaos scenario ${v.figures.scenario} failed (replay: ${replayCommand(v.figures.seed, v.figures.scale)}${v.logFile ? `; process output in ${v.logFile}` : ''})\n${v.problems.slice(0, 40).join('\n')}`;
}
