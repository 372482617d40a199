/**
 * The bundle package.json `main` points at (tools/build/bundle.ts), loaded the way the Functions
 * host loads it: a fresh Node process where `require('@azure/functions-core')` answers with the
 * worker's API (the worker intercepts Module.prototype.require), then `import(main)`. It must
 * register every function the sources declare, build the runtime once at start-up, and fail at
 * start-up naming a bad setting, as the unbundled modules do.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_MAIN, bundleFunctions, ROOT, type BundleResult } from '../../tools/build/bundle.js';

const run = promisify(execFile);
const GUID = '9f098ba8-72d4-4199-b762-ed7f77bc2c60';
const SETTINGS = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  O365_TENANT_ID: GUID,
  O365_CLIENT_ID: GUID,
  O365_CLIENT_SECRET: 'bundle-test-secret-123',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

/**
 * A stand-in for the Node.js worker: the same require interception and core API shape
 * (azure-functions-nodejs-worker `setupCoreModule`), recording registrations; then calls the
 * `health` handler the bundle registered.
 */
const FAKE_WORKER = `
import Module from 'node:module';
let model;
const registered = [];
const coreApi = {
  version: '3.0.0-test',
  hostVersion: '4.0.0-test',
  registerHook: () => ({ dispose() {} }),
  setProgrammingModel: (m) => { model = m; },
  getProgrammingModel: () => model,
  registerFunction: (metadata, callback) => { registered.push({ metadata, callback }); return { dispose() {} }; },
  Disposable: class { constructor(cb) { this.cb = cb; } dispose() { this.cb(); } },
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply(target, thisArg, args) {
    return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args);
  },
});
await import(process.argv[1]);
const log = () => undefined;
const health = registered.find((r) => r.metadata.name === 'health');
const response = await health.callback({ url: 'http://localhost/api/health' }, {
  invocationId: 'test', functionName: 'health', error: log, warn: log, info: log, debug: log,
});
process.stdout.write(JSON.stringify({
  model: model?.name,
  functions: registered.map((r) => ({
    name: r.metadata.name,
    trigger: Object.values(r.metadata.bindings).find((b) => b.direction === 'in')?.type,
  })),
  health: { status: response.status, body: response.jsonBody },
}));
`;

interface WorkerOutput {
  model: string | undefined;
  functions: Array<{ name: string; trigger: string }>;
  health: { status: number; body: unknown };
}

async function loadInFakeWorker(
  main: string,
  env: Record<string, string>,
): Promise<{ out: WorkerOutput; stderr: string }> {
  const r = await run(
    process.execPath,
    ['--input-type=module', '-e', FAKE_WORKER, pathToFileURL(main).href],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, maxBuffer: 16 * 2 ** 20 },
  );
  return { out: JSON.parse(r.stdout) as WorkerOutput, stderr: r.stderr };
}

describe('functions bundle (package.json main)', () => {
  let dir: string;
  let bundle: BundleResult;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'o365-bundle-'));
    bundle = await bundleFunctions({ outdir: path.join(dir, 'bundle') });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is what package.json main points at, and bundles every functions/*.ts', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe(BUNDLE_MAIN);
    expect(bundle.entries).toContain('functions/process-content.ts');
    expect(bundle.entries).toContain('functions/enumerate-content.ts');
  });

  it('registers every function with the worker and serves health from the shared runtime', async () => {
    const { out, stderr } = await loadInFakeWorker(bundle.main, SETTINGS);
    expect(stderr).not.toMatch(/cannot start/);
    expect(out.model).toBe('@azure/functions');
    expect(out.functions.map((f) => `${f.name} ${f.trigger}`).sort()).toEqual(
      [
        'content httpTrigger',
        'enumerateContent timerTrigger',
        'health httpTrigger',
        'notifications httpTrigger',
        'ping httpTrigger',
        'poisonReplay httpTrigger',
        'processContent queueTrigger',
        'status httpTrigger',
        'subscriptionsList httpTrigger',
        'subscriptionsStart httpTrigger',
        'subscriptionsStop httpTrigger',
        'tenantsList httpTrigger',
        'tenantsAdd httpTrigger',
        'tenantsRemove httpTrigger',
        'tenantsDisable httpTrigger',
        'tenantsEnable httpTrigger',
        'consent httpTrigger',
      ].sort(),
    );
    expect(out.health).toMatchObject({ status: 200, body: { status: 'ok', tenantId: GUID } });
  });

  it('fails at start-up naming the bad setting', async () => {
    const { out, stderr } = await loadInFakeWorker(bundle.main, {
      ...SETTINGS,
      O365_TENANT_ID: 'not-a-guid',
    });
    expect(stderr).toMatch(/^o365-pipeline: cannot start: [^]*O365_TENANT_ID: "not-a-guid" is not a GUID/m);
    expect(stderr).not.toContain('bundle-test-secret-123');
    expect(out.functions).toHaveLength(17);
    expect(out.health.status).toBe(500);
    expect(JSON.stringify(out.health.body)).toContain('O365_TENANT_ID');
  });
});
