/**
 * `o365-pipeline run --once` end to end: the real CLI dispatcher and local runner against the API
 * simulator over HTTPS (real msal-node) and the shared Azurite, checked against the simulator's
 * ground truth; then the real bin as a child process on the built-in simulated tenant.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONTENT_TYPES } from '../../shared/content-types.js';
import { contentKey } from '../../shared/storage/names.js';
import { main } from '../../tools/cli/main.js';
import { runPipeline } from '../../tools/runner/run.js';
import { startSimulator, type RunningSimulator } from '../../tools/simulator/index.js';
import {
  detectedValues,
  readOutput,
  simEnv,
  simRuntime,
  trustCaProcessWide,
  type Env,
} from '../integration/ops/harness.js';
import { childEnv } from '../helpers/processes.js';

/** An account SAS connection string for the same Azurite (blob, queue and table). */
function sasConnection(accountKeyConnection: string): string {
  const part = (k: string) => new RegExp(`${k}=([^;]+)`).exec(accountKeyConnection)![1]!;
  const sas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3_600_000),
      permissions: AccountSASPermissions.parse('rwdlacup'),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('bqt').toString(),
    },
    new StorageSharedKeyCredential(part('AccountName'), part('AccountKey')),
  ).toString();
  return (
    `BlobEndpoint=${part('BlobEndpoint')};QueueEndpoint=${part('QueueEndpoint')};` +
    `TableEndpoint=${part('TableEndpoint')};SharedAccessSignature=${sas}`
  );
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BLOB_NAME =
  /^tenant=([0-9a-f-]{36})\/contentType=([A-Za-z.]+)\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/([0-9a-f]{64})\.ndjson\.gz$/;

describe('run --once against the simulator and Azurite', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;
  let cwd: string;
  let env: Env;
  const out: string[] = [];
  const err: string[] = [];
  let exitCode: number;

  beforeAll(async () => {
    // 4 h of history, inside the default 8 h first-run look-back: everything listable is in range.
    sim = await startSimulator({ seed: 7, hours: 4, eventsPerHour: 120 });
    restoreCa = trustCaProcessWide(sim.caPem);
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-run-once-'));
    // Output storage named by a SAS connection string, as an operator may give it: the summary
    // names the output location, never with the SAS token.
    env = simEnv(sim, {
      O365_OUTPUT_CONNECTION: 'OUTPUT_STORAGE',
      OUTPUT_STORAGE: sasConnection(inject('azurite')),
    });
    exitCode = await main(['run', '--once'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env,
      cwd,
    });
  }, 240_000);

  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('exits 0 and prints the summary', () => {
    expect(exitCode, err.join('\n')).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(
      /Summary: \d+ content blobs listed, \d+ enqueued, \d+ processed \(0 failed, 0 expired, 0 poisoned\)/,
    );
    expect(text).toContain(`tenant=${sim.tenants[0]!.tenantId}/`);
    expect(err.join('\n')).toContain('storage: AzureWebJobsStorage from your settings');
    expect(err.join('\n')).not.toContain('SIMULATED tenant');
    expect(text).toMatch(/Output: http:\/\/[^?\s]+\/tenant=/);
    expect(`${text}\n${err.join('\n')}`).not.toMatch(/sig=|SharedAccessSignature|sv=20/);
  });

  it('writes every listable event Id of the enumerated range, once per blob that carried it, under the documented blob names', async () => {
    const rt = await simRuntime(sim, env);
    const tenantId = sim.tenants[0]!.tenantId;
    const checkpoints = new Map((await rt.checkpoints.list(tenantId)).map((c) => [c.contentType, c]));
    const blobs = await readOutput(rt);
    expect(blobs.length).toBeGreaterThan(0);

    const seen = new Map<string, number>();
    for (const b of blobs) {
      const m = BLOB_NAME.exec(b.name);
      expect(m, b.name).not.toBeNull();
      const [, tenant, contentType, date, hour, key] = m!;
      expect(tenant).toBe(tenantId);
      const created = b.metadata.contentcreated!;
      expect(new Date(created).toISOString().slice(0, 13)).toBe(`${date}T${hour}`);
      expect(key).toBe(contentKey(b.contentId));
      expect(b.metadata.schemaversion).toBe('1');
      expect(b.contentType).toBe('application/x-ndjson');
      expect(b.contentEncoding).toBe('gzip');
      expect(Number(b.metadata.events)).toBe(b.lines.length);
      const inBlob = new Set<string>();
      for (const line of b.lines) {
        const e = JSON.parse(line) as { id: string; contentType: string; tenantId: string };
        expect(e.contentType).toBe(contentType);
        expect(e.tenantId).toBe(tenantId);
        expect(inBlob.has(e.id), `${e.id} twice in ${b.name}`).toBe(false);
        inBlob.add(e.id);
        seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
      }
    }

    const expected = new Set<string>();
    for (const ct of CONTENT_TYPES) {
      const through = checkpoints.get(ct)?.listedThrough;
      expect(through, `checkpoint of ${ct}`).toBeDefined();
      const listable = sim.expectedEventIds(tenantId, ct);
      for (const blob of sim.blobs(tenantId, ct, undefined, new Date(through!)))
        for (const id of blob.eventIds) if (listable.has(id)) expected.add(id);
    }
    expect(expected.size).toBeGreaterThan(100);
    const missing = [...expected].filter((id) => !seen.has(id));
    const unexpected = [...seen.keys()].filter((id) => !expected.has(id));
    // The API serves some records in two blobs (by design); event-Id claims dedupe across blobs, so
    // every Id is written exactly once overall.
    const overCounted = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    expect({ missing, unexpected, overCounted }).toEqual({ missing: [], unexpected: [], overCounted: [] });
  });

  it('never writes a DLP detected value', async () => {
    const rt = await simRuntime(sim, env);
    const tenantId = sim.tenants[0]!.tenantId;
    const dlpBlobs = (await readOutput(rt)).filter((b) => b.name.includes('/contentType=DLP.All/'));
    expect(dlpBlobs.length).toBeGreaterThan(0);
    let checked = 0;
    for (const b of dlpBlobs) {
      const values = detectedValues(sim.blobRecords(tenantId, b.contentId));
      const text = b.lines.join('\n');
      for (const v of values) {
        expect(text).not.toContain(v);
        const digits = v.replace(/\D/g, '');
        if (digits.length >= 8) expect(text).not.toContain(digits);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('a second run on the same storage enqueues and fetches only content that is new since the first', async () => {
    // The simulator runs on the real clock, so a blob may legitimately become available between the
    // runs; what must never happen is re-enqueuing or re-fetching content the first run collected.
    const rt = await simRuntime(sim, env);
    const tenantId = sim.tenants[0]!.tenantId;
    const before = new Map(
      (await rt.checkpoints.list(tenantId)).map((c) => [c.contentType, c.listedThrough]),
    );
    const blobFetches = () => sim.requestLog.filter((r) => r.kind === 'blob').length;
    const fetchesBefore = blobFetches();
    const lines: string[] = [];
    const result = await runPipeline({
      once: true,
      cwd,
      env,
      out: (t) => lines.push(t),
      err: () => undefined,
      tty: false,
    });
    expect(result.exitCode).toBe(0);
    let newSinceFirst = 0;
    for (const ct of CONTENT_TYPES)
      newSinceFirst += sim.blobs(tenantId, ct, new Date(before.get(ct)!)).length;
    const { enqueued, processed } = result.stats.totals();
    expect(enqueued).toBeLessThanOrEqual(newSinceFirst);
    expect(processed).toBe(enqueued);
    expect(blobFetches() - fetchesBefore).toBe(enqueued);
    expect(sim.requestLog.filter((r) => r.violations.includes('blobFetchedTwice'))).toEqual([]);
    expect(lines.join('\n')).toMatch(/Summary: \d+ content blobs listed, \d+ enqueued, \d+ processed/);
    expect(result.status?.queue).toEqual({ depth: 0, poison: 0 });
  }, 120_000);
});

describe('the o365-pipeline bin', () => {
  it('run --once --in-memory without credentials collects the built-in simulated tenant and exits 0', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'o365-bin-'));
    const env = childEnv();
    try {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'tools/o365-pipeline.mjs'), 'run', '--once', '--in-memory'],
        {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`bin did not finish in time; stderr tail: ${stderr.slice(-2000)}`));
        }, 280_000);
        child.once('error', reject);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code, stderr.slice(-3000)).toBe(0);
      expect(stderr).toContain('using the built-in SIMULATED tenant');
      expect(stderr).toContain('in memory');
      const summary =
        /Summary: (\d+) content blobs listed, (\d+) enqueued, (\d+) processed \(0 failed, 0 expired, 0 poisoned\); (\d+) records read, (\d+) events written/.exec(
          stdout,
        );
      expect(summary, stdout.slice(-3000)).not.toBeNull();
      expect(Number(summary![3])).toBe(Number(summary![2]));
      expect(Number(summary![5])).toBeGreaterThan(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 300_000);
});
