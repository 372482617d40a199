/**
 * `o365-pipeline func` (what `npm run start:func` runs after the build): the real bin as a child
 * process, starting the embedded Azurite in `<cwd>/.azurite` and the simulated tenant, then `func`.
 * Azure Functions Core Tools cannot be installed where these tests run, so `func` on PATH is a
 * STAND-IN written below: it records its arguments and environment, proves with them that the
 * queues, tables and container exist in a reachable Azurite and that the simulated tenant's CA is
 * trusted (a token request and a feed call over HTTPS), then exits, or waits for a signal.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config.js';
import { startOrReuseAzurite } from '../../../tools/azurite.js';
import { alive, childEnv } from '../../helpers/processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * STAND-IN for Core Tools' `func` (not the real host): FUNC_STANDIN_RECORD names the JSON file it
 * writes; FUNC_STANDIN_MODE=wait keeps it running until SIGINT/SIGTERM, then it exits 7.
 */
const STANDIN_FUNC = `#!${process.execPath}
// STAND-IN for Azure Functions Core Tools' 'func', written by test/e2e/runner/func-command.test.ts.
// Core Tools cannot be installed on the test machine; this records what 'func start' would get.
const { createRequire } = require('node:module');
const { writeFileSync } = require('node:fs');
const projectRequire = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))});
const { QueueServiceClient } = projectRequire('@azure/storage-queue');
const { TableServiceClient } = projectRequire('@azure/data-tables');
const { BlobServiceClient } = projectRequire('@azure/storage-blob');
const env = process.env;
const record = { pid: process.pid, argv: process.argv.slice(2), env: { ...env } };
const save = () => writeFileSync(env.FUNC_STANDIN_RECORD, JSON.stringify(record, null, 2));
(async () => {
  try {
    const cs = env.AzureWebJobsStorage;
    record.queues = [];
    for await (const q of QueueServiceClient.fromConnectionString(cs).listQueues()) record.queues.push(q.name);
    record.tables = [];
    const tables = TableServiceClient.fromConnectionString(cs, { allowInsecureConnection: true });
    for await (const t of tables.listTables()) record.tables.push(t.name);
    record.containers = [];
    for await (const c of BlobServiceClient.fromConnectionString(cs).listContainers()) record.containers.push(c.name);
  } catch (err) {
    record.storageError = String(err);
  }
  try {
    // Trusted only through NODE_EXTRA_CA_CERTS: the simulator's CA is made fresh at every start.
    const token = await fetch(env.O365_LOGIN_AUTHORITY + '/' + env.O365_TENANT_ID + '/oauth2/v2.0/token', {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: env.O365_CLIENT_ID,
        client_secret: env.O365_CLIENT_SECRET,
        scope: env.O365_API_ROOT + '/.default',
      }),
    });
    record.tokenStatus = token.status;
    const { access_token } = await token.json();
    const list = await fetch(
      env.O365_API_ROOT + '/api/v1.0/' + env.O365_TENANT_ID + '/activity/feed/subscriptions/list',
      { headers: { authorization: 'Bearer ' + access_token } },
    );
    record.subscriptionsStatus = list.status;
  } catch (err) {
    record.apiError = String(err) + ' ' + String(err && err.cause);
  }
  save();
  if (env.FUNC_STANDIN_MODE !== 'wait') process.exit(0);
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
      record.signal = signal;
      save();
      process.exit(7);
    });
  setInterval(() => undefined, 60_000);
  process.stdout.write('stand-in func: waiting for a signal\\n');
})();
`;

interface Record {
  pid: number;
  argv: string[];
  env: { [k: string]: string };
  queues?: string[];
  tables?: string[];
  containers?: string[];
  storageError?: string;
  tokenStatus?: number;
  subscriptionsStatus?: number;
  apiError?: string;
  signal?: string;
}

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('o365-pipeline func (with a stand-in func on PATH)', () => {
  const dirs: string[] = [];
  let binDir: string;

  const tempDir = (prefix: string) => {
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  beforeAll(() => {
    binDir = tempDir('o365-standin-func-');
    writeFileSync(path.join(binDir, 'func'), STANDIN_FUNC);
    chmodSync(path.join(binDir, 'func'), 0o755);
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A project folder whose local.settings.json says UseDevelopmentStorage=true and has no credential. */
  function project(): string {
    const cwd = tempDir('o365-func-');
    writeFileSync(
      path.join(cwd, 'local.settings.json'),
      JSON.stringify({
        IsEncrypted: false,
        Values: {
          FUNCTIONS_WORKER_RUNTIME: 'node',
          AzureWebJobsStorage: 'UseDevelopmentStorage=true',
          O365_TENANT_ID: '00000000-0000-0000-0000-000000000000',
          O365_CLIENT_SECRET: '',
          O365_MAX_CONTENT_PER_RUN: '123',
        },
      }),
    );
    return cwd;
  }

  /** The bin with the stand-in first on PATH (or PATH = `pathDirs` only). */
  function startFunc(cwd: string, args: string[], extraEnv: { [k: string]: string }, pathDirs?: string[]) {
    const env = childEnv(
      { PATH: (pathDirs ?? [binDir, process.env.PATH ?? '']).join(path.delimiter), ...extraEnv },
      ['NODE_EXTRA_CA_CERTS'],
    );
    const child = spawn(process.execPath, [path.join(ROOT, 'tools/o365-pipeline.mjs'), 'func', ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let done = false;
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        done = true;
        resolve(code);
      });
    });
    return { child, exited, hasExited: () => done, output: () => ({ stdout, stderr }) };
  }

  const until = async (what: string, done: () => boolean, gone: () => boolean, tail: () => string) => {
    const deadline = Date.now() + 120_000;
    while (!done()) {
      if (gone() || Date.now() > deadline)
        throw new Error(`${what} did not happen; output:\n${tail().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** The command's exit code; if it does not exit within a minute, it and the stand-in are killed and the test fails. */
  async function exitWithin(run: ReturnType<typeof startFunc>, recordFile: string): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        run.child.kill('SIGKILL');
        if (existsSync(recordFile))
          process.kill((JSON.parse(readFileSync(recordFile, 'utf8')) as Record).pid, 'SIGKILL');
        reject(
          new Error(`o365-pipeline func did not exit; output: ${JSON.stringify(run.output()).slice(-3000)}`),
        );
      }, 60_000);
    });
    try {
      return await Promise.race([run.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What `run` prepares, as the host received it: Azurite's storage with every resource, the simulated tenant trusted. */
  function expectPreparedHost(rec: Record, stderr: string) {
    expect(rec.storageError, stderr).toBeUndefined();
    expect(rec.apiError, stderr).toBeUndefined();
    // Not UseDevelopmentStorage=true (the default ports): the embedded Azurite's own ports.
    expect(rec.env.AzureWebJobsStorage).toMatch(
      /^DefaultEndpointsProtocol=http;.*QueueEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
    );
    const names = loadConfig(rec.env).storage;
    expect(rec.queues).toEqual(expect.arrayContaining([names.queueName, names.poisonQueueName]));
    expect(rec.tables).toEqual(
      expect.arrayContaining([names.checkpointTable, names.ledgerTable, names.eventIdTable]),
    );
    expect(rec.containers).toEqual(expect.arrayContaining([names.outputContainer]));
    // The simulated tenant, said so, and reachable with its CA trusted.
    const simulated = /using the built-in SIMULATED tenant (\S+) at (\S+)/.exec(stderr);
    expect(simulated, stderr).not.toBeNull();
    expect(rec.env.O365_TENANT_ID).toBe(simulated![1]);
    expect(rec.env.O365_API_ROOT).toBe(simulated![2]);
    expect(rec.env.O365_LOGIN_AUTHORITY).toBe(simulated![2]);
    expect(rec.env.O365_AUTH_MODE).toBe('secret');
    expect(rec.tokenStatus).toBe(200);
    expect(rec.subscriptionsStatus).toBe(200);
    expect(rec.env.NODE_EXTRA_CA_CERTS).toMatch(/ca\.pem$/);
    // Settings the host reads from local.settings.json itself are not duplicated into its environment.
    expect(rec.env.O365_MAX_CONTENT_PER_RUN).toBeUndefined();
    expect(rec.env.FUNCTIONS_WORKER_RUNTIME).toBeUndefined();
  }

  it('prepares run’s environment, passes it and the extra arguments to func start, exits with its code and stops Azurite and the simulator', async () => {
    const cwd = project();
    const recordFile = path.join(cwd, 'record.json');
    const run = startFunc(cwd, ['--', '--port', '7072', '--verbose'], { FUNC_STANDIN_RECORD: recordFile });
    const code = await exitWithin(run, recordFile);
    const { stderr } = run.output();
    expect(code, stderr).toBe(0);
    const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as Record;
    expect(rec.argv).toEqual(['start', '--port', '7072', '--verbose']);
    expectPreparedHost(rec, stderr);

    // Everything it started is gone: Azurite (and its record), the simulator, the CA file.
    const started = /storage: embedded Azurite \(pid (\d+), blob port (\d+),/.exec(stderr);
    expect(started, stderr).not.toBeNull();
    const pid = Number(started![1]);
    expect(rec.env.AzureWebJobsStorage).toContain(`BlobEndpoint=http://127.0.0.1:${started![2]}/`);
    expect(alive(pid)).toBe(false);
    expect(existsSync(path.join(cwd, '.azurite', 'endpoint.json'))).toBe(false);
    expect(await refused(rec.env.O365_API_ROOT!)).toBe(true);
    expect(existsSync(rec.env.NODE_EXTRA_CA_CERTS!)).toBe(false);
  }, 180_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s goes to func; the command exits with func’s code and leaves a reused Azurite running',
    async (signal) => {
      const cwd = project();
      const recordFile = path.join(cwd, 'record.json');
      // Another process's Azurite on the folder (as while `npm start` runs): reused, not stopped.
      mkdirSync(path.join(cwd, '.azurite'));
      const theirs = await startOrReuseAzurite({ location: path.join(cwd, '.azurite') });
      try {
        const run = startFunc(cwd, [], { FUNC_STANDIN_RECORD: recordFile, FUNC_STANDIN_MODE: 'wait' });
        const tail = () => JSON.stringify(run.output());
        await until(
          'the stand-in func waiting',
          () => run.output().stdout.includes('waiting for a signal'),
          run.hasExited,
          tail,
        );
        run.child.kill(signal);
        const code = await exitWithin(run, recordFile);
        const { stderr } = run.output();
        expect(code, stderr).toBe(7);
        const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as Record;
        expect(rec.signal).toBe(signal);
        expect(rec.argv).toEqual(['start']);
        expect(stderr).toContain(`reusing the embedded Azurite another process started (pid ${theirs.pid}`);
        expect(rec.env.AzureWebJobsStorage).toBe(theirs.connectionString);
        expectPreparedHost(rec, stderr);
        expect(alive(theirs.pid)).toBe(true);
        expect(await refused(rec.env.O365_API_ROOT!)).toBe(true);
      } finally {
        await theirs.stop();
      }
    },
    180_000,
  );

  it('func not on PATH: exit 1, says how to install Core Tools and that npm start needs none; starts nothing', async () => {
    const cwd = project();
    const run = startFunc(cwd, [], {}, [tempDir('o365-empty-path-')]);
    const code = await exitWithin(run, path.join(cwd, 'record.json'));
    const { stderr } = run.output();
    expect(code, stderr).toBe(1);
    expect(stderr).toContain("o365-pipeline func: 'func' (Azure Functions Core Tools v4) is not on PATH");
    expect(stderr).toContain('npm install -g azure-functions-core-tools@4');
    expect(stderr).toContain("'npm start' runs the same pipeline without Core Tools");
    expect(existsSync(path.join(cwd, '.azurite'))).toBe(false);
  }, 120_000);

  it('--help after -- is for func, not for this command', async () => {
    const cwd = project();
    const run = startFunc(cwd, ['--', '--help'], {}, [tempDir('o365-empty-path-')]);
    const code = await exitWithin(run, path.join(cwd, 'record.json'));
    const { stdout, stderr } = run.output();
    // Not our usage text (exit 0): the command went on to look for func, which is missing here.
    expect(code, stderr).toBe(1);
    expect(stdout).not.toContain('Usage: o365-pipeline func');
    expect(stderr).toContain("'func' (Azure Functions Core Tools v4) is not on PATH");
  }, 120_000);
});
