/**
 * The embedded Azurite's lifetime under `o365-pipeline run` (the real bin, the API simulator over
 * HTTPS, no AzureWebJobsStorage so the runner starts its own Azurite in `<cwd>/.azurite`):
 * - Ctrl-C in a terminal signals the whole foreground process group. Azurite runs in its own group,
 *   so it is still serving while the runner finishes its in-flight blobs; the runner exits 0.
 * - A runner killed outright (SIGKILL: no clean-up code runs) leaves no Azurite behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { simEnv } from '../../integration/ops/harness.js';
import { alive, childEnv } from '../../helpers/processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('run with the embedded Azurite', () => {
  let sim: RunningSimulator;
  const dirs: string[] = [];

  beforeAll(async () => {
    // Every blob download takes 400 ms, so the queue is far from drained when the signal comes.
    sim = await startSimulator({
      seed: 23,
      hours: 3,
      eventsPerHour: 40,
      faults: { slow: 1, slowMs: 400, kinds: ['blob'] },
    });
  });
  afterAll(async () => {
    await sim?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The bin in its own process group (as a shell job), storage left to the runner. */
  function startRunner(): {
    child: ChildProcess;
    cwd: string;
    output: () => { stdout: string; stderr: string };
  } {
    const cwd = mkdtempSync(path.join(tmpdir(), 'o365-embedded-'));
    dirs.push(cwd);
    const { AzureWebJobsStorage: _shared, ...sims } = simEnv(sim);
    const env = childEnv({ ...sims, NODE_EXTRA_CA_CERTS: sim.caPath });
    const child = spawn(process.execPath, [path.join(ROOT, 'tools/o365-pipeline.mjs'), 'run'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return { child, cwd, output: () => ({ stdout, stderr }) };
  }

  const until = async (what: string, done: () => boolean, ms: number, tail: () => string) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`${what} did not happen; output tail:\n${tail().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });

  it('Ctrl-C to the process group: Azurite keeps serving until the runner has finished, exit 0', async () => {
    const { child, output } = startRunner();
    const exit = exited(child);
    try {
      await until(
        'a processed blob',
        () => output().stderr.includes('content.processed'),
        240_000,
        () => output().stderr,
      );
      process.kill(-child.pid!, 'SIGINT');
      const code = await exit;
      const { stdout, stderr } = output();
      expect(code, stderr.slice(-3000)).toBe(0);
      expect(stderr).toContain('o365-pipeline: stopping after in-flight work...');
      expect(stderr).not.toMatch(/ECONNREFUSED/);
      expect(stdout).toMatch(
        /Summary: \d+ content blobs listed, \d+ enqueued, [1-9]\d* processed \(0 failed/,
      );
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 300_000);

  it('a runner killed with SIGKILL leaves no Azurite running', async () => {
    const { child, cwd, output } = startRunner();
    const exit = exited(child);
    const endpoint = path.join(cwd, '.azurite', 'endpoint.json');
    let azuritePid = 0;
    try {
      await until(
        'the embedded Azurite',
        () => existsSync(endpoint),
        120_000,
        () => output().stderr,
      );
      azuritePid = (JSON.parse(readFileSync(endpoint, 'utf8')) as { pid: number }).pid;
      expect(alive(azuritePid)).toBe(true);
      child.kill('SIGKILL');
      await exit;
      await until(
        'Azurite exiting after its runner',
        () => !alive(azuritePid),
        30_000,
        () => output().stderr,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (azuritePid && alive(azuritePid)) process.kill(azuritePid, 'SIGKILL');
    }
  }, 180_000);
});
