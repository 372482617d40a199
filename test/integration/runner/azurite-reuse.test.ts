/**
 * One Azurite per data folder: the process that starts it records it in `endpoint.json`; another
 * process (here a second caller) finding it alive reuses it and says so; stale records are ignored.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  ENDPOINT_FILE,
  liveEndpoint,
  startOrReuseAzurite,
  type AzuriteEndpoint,
  type EmbeddedAzurite,
} from '../../../tools/azurite.js';
import { prepareLocalEnvironment } from '../../../tools/runner/environment.js';

const readRecord = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, ENDPOINT_FILE), 'utf8')) as AzuriteEndpoint;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('embedded Azurite shared through .azurite/endpoint.json', () => {
  let cwd: string;
  const started: EmbeddedAzurite[] = [];
  beforeAll(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-azurite-reuse-'));
  });
  afterAll(async () => {
    for (const a of started) await a.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('a second user of the folder reuses the running Azurite, says so, and leaves it running on close', async () => {
    const location = path.join(cwd, '.azurite');
    const first = await startOrReuseAzurite({ location });
    started.push(first);
    expect(first.reused).toBe(false);
    expect(readRecord(location)).toMatchObject({ pid: first.pid, ownerPid: process.pid, ports: first.ports });

    // What a CLI command in another terminal does: same cwd, so same .azurite/.
    const local = await prepareLocalEnvironment({
      cwd,
      env: { O365_CLIENT_SECRET: 'not-used-here' },
      needs: 'api',
    });
    try {
      expect(local.azurite?.reused).toBe(true);
      expect(local.azurite?.pid).toBe(first.pid);
      expect(local.env.AzureWebJobsStorage).toBe(first.connectionString);
      expect(local.notes).toContain(
        `storage: reusing the embedded Azurite another process started (pid ${first.pid}, blob port ${first.ports.blob}, data in .azurite)`,
      );
      // Same data: a queue made through one is seen through the other.
      const name = `reuse${Date.now()}`;
      await QueueServiceClient.fromConnectionString(first.connectionString).createQueue(name);
      const seen: string[] = [];
      for await (const q of QueueServiceClient.fromConnectionString(
        local.env.AzureWebJobsStorage!,
      ).listQueues())
        seen.push(q.name);
      expect(seen).toContain(name);
    } finally {
      await local.close();
    }
    expect(await liveEndpoint(location)).toMatchObject({ pid: first.pid });

    await first.stop();
    expect(existsSync(path.join(location, ENDPOINT_FILE))).toBe(false);
    expect(await liveEndpoint(location)).toBeUndefined();
  });

  it('ignores a record whose process is gone, even if its ports answer', async () => {
    const location = path.join(cwd, 'dead-pid');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const shared = inject('azurite');
    const port = (name: string) => Number(new RegExp(`${name}Endpoint=http://[^:]+:(\\d+)`).exec(shared)![1]);
    const ports = { blob: port('Blob'), queue: port('Queue'), table: port('Table') };
    const stale: AzuriteEndpoint = { pid: dead, ownerPid: dead, host: '127.0.0.1', ports, startedAt: '' };
    rmSync(location, { recursive: true, force: true });
    mkdirSync(location, { recursive: true });
    writeFileSync(path.join(location, ENDPOINT_FILE), JSON.stringify(stale));
    expect(await liveEndpoint(location)).toBeUndefined();
    const a = await startOrReuseAzurite({ location });
    started.push(a);
    expect(a.reused).toBe(false);
    expect(a.ports.blob).not.toBe(ports.blob);
    expect(readRecord(location).pid).toBe(a.pid);
  });

  it('ignores a record whose pid is alive but whose ports do not answer', async () => {
    const location = path.join(cwd, 'closed-ports');
    mkdirSync(location, { recursive: true });
    const p = await closedPort();
    const stale: AzuriteEndpoint = {
      pid: process.pid,
      ownerPid: process.pid,
      host: '127.0.0.1',
      ports: { blob: p, queue: p, table: p },
      startedAt: '',
    };
    writeFileSync(path.join(location, ENDPOINT_FILE), JSON.stringify(stale));
    const a = await startOrReuseAzurite({ location });
    started.push(a);
    expect(a.reused).toBe(false);
    expect(readRecord(location).pid).toBe(a.pid);
  });

  it('two users starting at once on a fresh folder: one Azurite, the other reuses it', async () => {
    const location = path.join(cwd, 'race');
    const both = await Promise.all([startOrReuseAzurite({ location }), startOrReuseAzurite({ location })]);
    started.push(...both);
    expect(both.map((a) => a.reused).sort()).toEqual([false, true]);
    expect(both[0].pid).toBe(both[1].pid);
    expect(both[0].connectionString).toBe(both[1].connectionString);
  });
});
