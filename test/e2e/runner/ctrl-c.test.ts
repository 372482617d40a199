/**
 * Ctrl-C on `o365-pipeline run`: the real bin as a child process against the API simulator over
 * HTTPS and the shared Azurite. SIGINT while blobs are being processed: the runner finishes the
 * in-flight blobs, prints the summary and exits 0; every blob it did not get to is still `enqueued`
 * in the ledger with its message on the queue, and the next run collects it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_TYPES } from '../../../shared/content-types.js';
import type { LedgerEntry } from '../../../shared/storage/types.js';
import { runPipeline } from '../../../tools/runner/run.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { simEnv, simRuntime, trustCaProcessWide, type Env } from '../../integration/ops/harness.js';
import { childEnv } from '../../helpers/processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DAY = 86_400_000;

describe('run: Ctrl-C stops after in-flight work', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;
  let cwd: string;
  let env: Env;

  beforeAll(async () => {
    // Every blob download takes 400 ms, so the queue is far from drained when the signal comes.
    sim = await startSimulator({
      seed: 17,
      hours: 4,
      eventsPerHour: 60,
      faults: { slow: 1, slowMs: 400, kinds: ['blob'] },
    });
    restoreCa = trustCaProcessWide(sim.caPem);
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-ctrl-c-'));
    env = simEnv(sim);
  });
  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  const ledgerRows = async () => {
    const rt = await simRuntime(sim, env);
    const tenantId = sim.tenants[0]!.tenantId;
    const rows: LedgerEntry[] = [];
    for (const ct of CONTENT_TYPES)
      rows.push(
        ...(await rt.ledger.entries(
          tenantId,
          ct,
          new Date(Date.now() - 8 * DAY),
          new Date(Date.now() + DAY),
        )),
      );
    return { rows, rt };
  };

  it('exits 0 after finishing in-flight blobs; what was not reached stays enqueued and the next run collects it', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'tools/o365-pipeline.mjs'), 'run'], {
      cwd,
      env: childEnv({ ...env, NODE_EXTRA_CA_CERTS: sim.caPath }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The first processed blob: the enumeration is over and the queue trigger is working.
      if (!signalled && stderr.includes('content.processed')) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`runner did not stop; stderr tail: ${stderr.slice(-2000)}`));
      }, 280_000);
      child.once('error', reject);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(signalled, stderr.slice(-3000)).toBe(true);
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(stderr).toContain('o365-pipeline: stopping after in-flight work...');
    const summary =
      /Summary: (\d+) content blobs listed, (\d+) enqueued, (\d+) processed \(0 failed, 0 expired, 0 poisoned\)/.exec(
        stdout,
      );
    expect(summary, stdout.slice(-3000)).not.toBeNull();
    const processed = Number(summary![3]);

    // Every blob the runner took was finished: done in the ledger, its message deleted.
    const { rows, rt } = await ledgerRows();
    const done = rows.filter((r) => r.state === 'done');
    const waiting = rows.filter((r) => r.state === 'enqueued');
    expect(done.length).toBe(processed);
    expect(waiting.length).toBeGreaterThan(0);
    expect(done.length + waiting.length).toBe(rows.length);
    // The rest is still on the queue, visible for the next run (nothing held under a lease).
    const props = await rt.clients.queue.getProperties();
    expect(props.approximateMessagesCount).toBe(waiting.length);
    expect((await rt.queue.depth()).poison).toBe(0);

    // The next run picks up exactly where Ctrl-C left off.
    sim.setFaults({});
    const fetchedBefore = new Set(sim.requestLog.filter((r) => r.kind === 'blob').map((r) => r.url));
    const result = await runPipeline({
      once: true,
      cwd,
      env,
      out: () => undefined,
      err: () => undefined,
      tty: false,
    });
    expect(result.exitCode).toBe(0);
    const after = await ledgerRows();
    expect(after.rows.filter((r) => r.state !== 'done')).toEqual([]);
    expect(result.status?.queue).toEqual({ depth: 0, poison: 0 });
    for (const r of waiting) expect(after.rows.find((a) => a.contentId === r.contentId)?.state).toBe('done');
    expect(sim.requestLog.filter((r) => r.violations.includes('blobFetchedTwice'))).toEqual([]);
    expect(fetchedBefore.size).toBe(processed);
  }, 300_000);
});
