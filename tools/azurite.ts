/**
 * Starts real Azurite from node_modules as a child process on free ports (or given ones),
 * waits for its "successfully listening" lines, and stops it by pid.
 * Used by the test setup and by the local runner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
