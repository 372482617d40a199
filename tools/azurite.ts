/**
 * Starts real Azurite from node_modules as a child process on free ports (or given ones),
 * waits for its "successfully listening" lines, and stops it by pid.
 * Used by the test setup and by the local runner. With a data folder, `startOrReuseAzurite`
 * records the instance in `<folder>/endpoint.json` so a second process reuses it instead of
 * starting another Azurite on the same files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';

export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Folder for data; omitted = in-memory. */
  location?: string;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  host?: string;
}

export interface AzuriteHandle {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  pid: number;
  stop(): Promise<void>;
}

/** Preloaded into Azurite: SIGTERM itself once its parent process no longer exists. */
const PARENT_GUARD =
  'data:text/javascript,' +
  encodeURIComponent(
    'const parent = process.ppid;' +
      'setInterval(() => { try { process.kill(parent, 0); } catch { process.kill(process.pid, "SIGTERM"); } }, 1000).unref();',
  );

function azuriteScript(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'azurite.js');
}

export function connectionStringFor(
  host: string,
  ports: { blob: number; queue: number; table: number },
): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT};` +
    `QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT};` +
    `TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT};`
  );
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const host = options.host ?? '127.0.0.1';
  const args = [
    azuriteScript(),
    '--blobHost',
    host,
    '--queueHost',
    host,
    '--tableHost',
    host,
    '--blobPort',
    String(options.blobPort ?? 0),
    '--queuePort',
    String(options.queuePort ?? 0),
    '--tablePort',
    String(options.tablePort ?? 0),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
    '--loose',
  ];
  if (options.location) {
    mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  // Its own process group, so a Ctrl-C in the terminal (sent to the whole foreground group) does
  // not take storage away from a runner that is still finishing its in-flight work; the runner
  // stops it. The guard ends it when the process that started it is gone (even if SIGKILLed).
  const child: ChildProcess = spawn(process.execPath, ['--import', PARENT_GUARD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const ports = await new Promise<{ blob: number; queue: number; table: number }>((resolve, reject) => {
    const found: Partial<Record<'blob' | 'queue' | 'table', number>> = {};
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite did not start within 90 s:\n${output}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const m of output.matchAll(
        /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g,
      )) {
        found[m[1]!.toLowerCase() as 'blob' | 'queue' | 'table'] = Number(m[2]);
      }
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        resolve({ blob: found.blob, queue: found.queue, table: found.table });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  child.removeAllListeners('exit');
  return {
    connectionString: connectionStringFor(host, ports),
    ports,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** What `<data folder>/endpoint.json` records of the Azurite serving that folder. */
export interface AzuriteEndpoint {
  pid: number;
  /** The process that started it (and stops it). */
  ownerPid: number;
  host: string;
  ports: { blob: number; queue: number; table: number };
  startedAt: string;
}

export const ENDPOINT_FILE = 'endpoint.json';
const LOCK_FILE = 'endpoint.lock';

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portAnswers(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function readEndpoint(location: string): AzuriteEndpoint | undefined {
  try {
    const e = JSON.parse(readFileSync(path.join(location, ENDPOINT_FILE), 'utf8')) as AzuriteEndpoint;
    const ports = e?.ports;
    if (
      typeof e.pid !== 'number' ||
      typeof e.host !== 'string' ||
      ![ports?.blob, ports?.queue, ports?.table].every((p) => Number.isInteger(p) && p > 0)
    )
      return undefined;
    return e;
  } catch {
    return undefined;
  }
}

/** The Azurite recorded in the folder, if its process is alive and its three ports answer; else undefined (stale or absent). */
export async function liveEndpoint(location: string): Promise<AzuriteEndpoint | undefined> {
  const e = readEndpoint(location);
  if (!e || !isProcessAlive(e.pid)) return undefined;
  const answers = await Promise.all(
    [e.ports.blob, e.ports.queue, e.ports.table].map((p) => portAnswers(e.host, p)),
  );
  return answers.every(Boolean) ? e : undefined;
}

/** Take the folder's start lock (one starter at a time); a lock left by a dead process is removed. */
async function lock(location: string): Promise<() => void> {
  const file = path.join(location, LOCK_FILE);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    let ageMs = 0;
    try {
      holder = Number(readFileSync(file, 'utf8'));
      ageMs = Date.now() - statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // An empty lock is one being written, unless it is old.
    if (Number.isNaN(holder) || holder === 0 ? ageMs > 5_000 : !isProcessAlive(holder)) {
      try {
        unlinkSync(file);
      } catch {
        // someone else removed it
      }
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`${file} is held by process ${holder}, which has been starting Azurite for 2 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface EmbeddedAzurite extends AzuriteHandle {
  /** True when another process's Azurite on the same folder was found and is used; `stop` then leaves it running. */
  reused: boolean;
}

/**
 * The Azurite of a data folder: the one recorded in `<location>/endpoint.json` when it is alive
 * (its pid runs and its ports answer), otherwise a new one, recorded there until it is stopped.
 */
export async function startOrReuseAzurite(
  options: AzuriteOptions & { location: string },
): Promise<EmbeddedAzurite> {
  const location = options.location;
  mkdirSync(location, { recursive: true });
  const reuse = (e: AzuriteEndpoint): EmbeddedAzurite => ({
    connectionString: connectionStringFor(e.host, e.ports),
    ports: e.ports,
    pid: e.pid,
    reused: true,
    stop: () => Promise.resolve(),
  });
  const found = await liveEndpoint(location);
  if (found) return reuse(found);
  const release = await lock(location);
  try {
    const again = await liveEndpoint(location);
    if (again) return reuse(again);
    const handle = await startAzurite(options);
    const record: AzuriteEndpoint = {
      pid: handle.pid,
      ownerPid: process.pid,
      host: options.host ?? '127.0.0.1',
      ports: handle.ports,
      startedAt: new Date().toISOString(),
    };
    const file = path.join(location, ENDPOINT_FILE);
    writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${file}.${process.pid}.tmp`, file);
    return {
      ...handle,
      reused: false,
      stop: async () => {
        if (readEndpoint(location)?.pid === handle.pid) {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        }
        await handle.stop();
      },
    };
  } finally {
    release();
  }
}
