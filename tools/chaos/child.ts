/**
 * The CLI as a child process (`node tools/o365-pipeline.mjs …`), with a hard time limit, its
 * output captured for the leak scan, and a registry so every child still alive can be killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRASH_MARK } from '../runner/chaos.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'tools', 'o365-pipeline.mjs');

export interface ChildResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** `point=… n=…` when the process killed itself through O365_CHAOS_CRASH_AT. */
  crashed?: string;
  timedOut: boolean;
  ms: number;
}

const alive = new Set<ChildProcess>();

/** Node 22 from node_modules when present (the project's runtime), else the current one. */
export function nodeBinary(): string {
  const local = path.join(ROOT, 'node_modules', '.bin', 'node');
  return existsSync(local) ? local : process.execPath;
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs: number; onStderr?: (chunk: string) => void },
): Promise<ChildResult> {
  const started = Date.now();
  // Only what the child needs: PATH/HOME for Node itself, then the pipeline's settings.
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[k]) base[k] = process.env[k];
  const child = spawn(nodeBinary(), [CLI, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    options.onStderr?.(c);
  });
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      alive.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      alive.delete(child);
      const m = new RegExp(`${CRASH_MARK} (point=\\S+ n=\\d+)`).exec(stderr);
      resolve({
        args,
        code,
        signal,
        stdout,
        stderr,
        crashed: m?.[1],
        timedOut,
        ms: Date.now() - started,
      });
    });
  });
}

/** Kill every child this module started that is still running (test teardown). */
export function killAllChildren(): void {
  for (const c of alive) c.kill('SIGKILL');
  alive.clear();
}

/**
 * Compile dist/ once before timing anything: the CLI compiles when sources are newer, and two test
 * files starting children at the same moment must not both do it (a lock folder serializes them).
 */
export async function ensureBuilt(): Promise<void> {
  const lock = path.join(ROOT, 'dist', '.chaos-build-lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let i = 0; i < 600; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed test run is stale after five minutes.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    const r = await runCli(['--help'], {}, { timeoutMs: 280_000 });
    if (r.code !== 0) throw new Error(`building the CLI failed:\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
