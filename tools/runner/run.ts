/**
 * `o365-pipeline run`: the whole pipeline on this machine, calling the same handlers the Functions
 * host calls: the timer handler on its NCRONTAB schedule (and once at start), and the queue handler
 * through a reproduction of the queue trigger. `--once` enumerates once, drains the queue, prints a
 * summary and exits (non-zero on failure).
 */
import { gunzipSync } from 'node:zlib';
import type { InvocationContext, Timer } from '@azure/functions';
import type { RunSummary } from '../../shared/enumerator/enumerate.js';
import { errorMessage } from '../../shared/errors.js';
import { createLogger, displayUrl, type Logger } from '../../shared/logger.js';
import { collectStatus, formatStatus } from '../../shared/ops/status.js';
import type { ProcessOutcome } from '../../shared/processor/process-content.js';
import { createRuntime, ensureStorage, type Runtime } from '../../shared/runtime.js';
import { prepareLocalEnvironment, type PrepareOptions } from './environment.js';
import { applyChaos } from './chaos.js';
import { parseSchedule } from './ncrontab.js';
import { ProgressDisplay, RunStats } from './progress.js';
import { QueueDriver } from './queue-driver.js';

export interface RunOptions {
  once: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Redraw a live table (terminal) instead of printing log lines. */
  tty: boolean;
  signal?: AbortSignal;
  dataDir?: PrepareOptions['dataDir'];
  simulator?: PrepareOptions['simulator'];
  /** Print every structured log line (default: warnings and errors only on a TTY, everything otherwise). */
  verbose?: boolean;
}

export interface RunResult {
  exitCode: number;
  stats: RunStats;
  summaries: RunSummary[];
  status?: Awaited<ReturnType<typeof collectStatus>>;
}

/** The function handlers, imported quietly: outside the host, @azure/functions warns once per registration. */
async function loadHandlers() {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    const [{ makeEnumerateHandler }, { makeProcessHandler }] = await Promise.all([
      import('../../functions/enumerate-content.js'),
      import('../../functions/process-content.js'),
    ]);
    return { makeEnumerateHandler, makeProcessHandler };
  } finally {
    console.warn = warn;
  }
}

function timerFor(now: Date, next: Date, isPastDue = false): Timer {
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: now.toISOString(), next: next.toISOString(), lastUpdated: now.toISOString() },
  };
}

export async function runPipeline(o: RunOptions): Promise<RunResult> {
  const stats = new RunStats();
  const summaries: RunSummary[] = [];
  const local = await prepareLocalEnvironment({
    cwd: o.cwd,
    env: o.env,
    needs: 'api',
    dataDir: o.dataDir,
    simulator: o.simulator,
  });
  for (const note of local.notes) o.err(`o365-pipeline: ${note}`);
  const showLogs = o.verbose ?? !o.tty;
  const logSink = (level: string, line: string) => {
    if (showLogs || level === 'error' || level === 'warn') o.err(line);
  };
  let rt: Runtime;
  try {
    const logger: Logger = createLogger((level, line) => logSink(level, line), {}, 'info');
    rt = applyChaos(createRuntime({ env: local.env, extraCaPem: local.extraCaPem, logger }), local.env);
    await ensureStorage(rt);
  } catch (err) {
    await local.close();
    throw err;
  }
  const { makeEnumerateHandler, makeProcessHandler } = await loadHandlers();
  const enumerate = makeEnumerateHandler(() => rt);
  const processHandler = makeProcessHandler(() => rt);
  const contextLog = (level: string, ...args: unknown[]) => logSink(level, args.map(String).join(' '));
  const { InvocationContext } = (await import('@azure/functions')).default;
  const schedule = parseSchedule(rt.config.enumerateSchedule);

  const runEnumeration = async () => {
    const now = rt.clock.now();
    const ctx: InvocationContext = new InvocationContext({
      functionName: 'enumerateContent',
      logHandler: contextLog,
    });
    try {
      const summary = await enumerate(timerFor(now, schedule.next(now)), ctx);
      summaries.push(summary);
      stats.addEnumeration(summary);
    } catch (err) {
      // The handler throws after every type ran when one failed; its summary was logged.
      stats.enumerationErrors.push(errorMessage(err));
      o.err(`o365-pipeline: enumeration failed: ${errorMessage(err)}`);
    }
  };

  const driver = new QueueDriver({
    queue: rt.clients.queue,
    poison: rt.clients.poison,
    settings: rt.queueTrigger,
    handler: processHandler,
    functionName: 'processContent',
    logger: rt.logger,
    logHandler: contextLog,
    onResult: (r) => {
      const ct = (r.payload as { contentType?: string } | null)?.contentType;
      stats.addOutcome(
        typeof ct === 'string' ? ct : undefined,
        r.result as ProcessOutcome | undefined,
        !r.ok,
        r.poisoned,
      );
    },
  });

  // The table on a terminal (stdout, every second); plain lines otherwise (stderr, every 10 s).
  const display = new ProgressDisplay(stats, { tty: o.tty, once: o.once });
  const timer = setInterval(
    () => {
      const text = display.render();
      if (text !== undefined) (o.tty ? o.out : o.err)(text);
    },
    o.tty ? 1000 : 10_000,
  );
  try {
    if (o.once) {
      await runEnumeration();
      await driver.drain(o.signal);
    } else {
      let nextRun = schedule.next(rt.clock.now());
      await runEnumeration();
      // As the host: the timer fires on schedule while queue messages are still being processed.
      while (!o.signal?.aborted) {
        if (rt.clock.now() >= nextRun) {
          nextRun = schedule.next(rt.clock.now());
          await runEnumeration();
        }
        const received = await driver.fill();
        if (driver.inFlight > rt.queueTrigger.newBatchThreshold) await driver.next();
        else if (received === 0) {
          const idle = sleep(Math.min(2000, rt.queueTrigger.maxPollingIntervalMs), o.signal);
          await (driver.inFlight > 0 ? Promise.race([driver.next(), idle]) : idle);
        }
      }
      // Ctrl-C: what is in flight is finished before the summary.
      await driver.settled();
    }
    const status = await collectStatus(rt);
    const failed = status.contentTypes.reduce((n, t) => n + t.ledger.failed, 0);
    const exitCode = stats.enumerationErrors.length > 0 || failed > 0 || status.queue.poison > 0 ? 1 : 0;
    o.out(await summaryText(rt, stats, status));
    return { exitCode, stats, summaries, status };
  } finally {
    clearInterval(timer);
    await local.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

async function summaryText(
  rt: Runtime,
  stats: RunStats,
  status: Awaited<ReturnType<typeof collectStatus>>,
): Promise<string> {
  const t = stats.totals();
  const lines = [
    '',
    stats.table(),
    '',
    `Summary: ${t.listed} content blobs listed, ${t.enqueued} enqueued, ${t.processed} processed (${t.failed} failed, ${t.expired} expired, ${t.poisoned} poisoned); ` +
      `${t.events} records read, ${t.written} events written, ${t.filtered} filtered, ${t.masked} with masked findings, ${t.duplicates} duplicates dropped; ${stats.rejected} rejected messages.`,
    `Output: ${displayUrl(rt.clients.container.url)}/tenant=${rt.config.tenantId}/ (gzip NDJSON; 'o365-pipeline events' prints them)`,
  ];
  for (const e of stats.enumerationErrors) lines.push(`Enumeration error: ${e}`);
  const example = await exampleEvent(rt);
  if (example) lines.push('', 'Example event:', example);
  lines.push('', formatStatus(status));
  return lines.join('\n');
}

async function exampleEvent(rt: Runtime): Promise<string | undefined> {
  for await (const blob of rt.clients.container.listBlobsFlat({ prefix: `tenant=${rt.config.tenantId}/` })) {
    const buf = await rt.clients.container.getBlobClient(blob.name).downloadToBuffer();
    const first = gunzipSync(buf).toString('utf8').split('\n')[0];
    if (first) return JSON.stringify(JSON.parse(first), null, 2);
  }
  return undefined;
}
