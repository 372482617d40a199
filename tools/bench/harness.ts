/**
 * Shared plumbing of the benchmarks: the simulator child, Azurite, runtime settings for a
 * simulated tenant, and child processes whose last stdout line is a JSON result.
 */
import { fork, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContentType } from '../../shared/content-types.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import type { ContentMessage } from '../../shared/storage/types.js';
import type { RequestLogEntry, StartSimulatorOptions } from '../simulator/index.js';
import type { BlobRef, SimInfo, SimRequest } from './sim-child.js';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface SimChild {
  info: SimInfo;
  blobs(contentTypes?: ContentType[], fromMs?: number, toMs?: number): Promise<BlobRef[]>;
  requestLog(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

type Pending = Map<number, (value: unknown) => void>;

export async function startSimChild(options: StartSimulatorOptions): Promise<SimChild> {
  const child = fork(path.join(BENCH_DIR, 'sim-child.js'), [JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending: Pending = new Map();
  let next = 1;
  child.on('message', (m: { id: number; result: unknown }) => {
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  const ask = <T>(
    req: SimRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never,
  ): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = next++;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ ...req, id });
    });
  const info = await new Promise<SimInfo>((resolve, reject) => {
    pending.set(0, resolve as (v: unknown) => void);
    child.once('exit', (code) => reject(new Error(`simulator child exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  return {
    info,
    blobs: (contentTypes, fromMs, toMs) => ask({ op: 'blobs', contentTypes, fromMs, toMs }),
    requestLog: () => ask({ op: 'log' }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.disconnect();
      }),
  };
}

/** App settings for a runtime talking to the simulated tenant and the given storage. */
export function tenantEnv(
  sim: Pick<SimInfo, 'apiRoot' | 'loginAuthority' | 'tenantId' | 'clientId' | 'clientSecret'>,
  storage: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    O365_TENANT_ID: sim.tenantId,
    O365_CLIENT_ID: sim.clientId,
    O365_CLIENT_SECRET: sim.clientSecret,
    O365_API_ROOT: sim.apiRoot,
    O365_LOGIN_AUTHORITY: sim.loginAuthority,
    O365_AUTH_MODE: 'secret',
    AzureWebJobsStorage: storage,
    ...extra,
  };
}

/** Warnings and errors only: per-blob info lines would cost more than some of what we measure. */
export function quietLogger(): Logger {
  return createLogger(
    (_level, line) => {
      process.stderr.write(`${line}\n`);
    },
    {},
    'warn',
  );
}

export function messageFor(tenantId: string, blob: BlobRef, listedAt: string): ContentMessage {
  return {
    v: 1,
    tenantId,
    contentType: blob.contentType,
    contentId: blob.contentId,
    contentUri: blob.contentUri,
    contentCreated: blob.contentCreated,
    contentExpiration: blob.contentExpiration,
    listedAt,
  };
}

/** Runs `node <script> <args>` and parses the last stdout line as JSON. */
export function runJsonChild<T>(
  script: string,
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    nodeArgs?: string[];
    timeoutMs?: number;
    cwd?: string;
  } = {},
): Promise<{ result?: T; error?: string; wallMs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error('exit');
        resolve({ result: JSON.parse(last) as T, wallMs });
      } catch {
        resolve({
          error: `exit ${code ?? signal}: ${err.trim().split('\n').slice(0, 6).join(' / ').slice(0, 600)}`,
          wallMs,
        });
      }
    });
  });
}
