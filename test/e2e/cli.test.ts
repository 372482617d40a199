/**
 * Every `o365-pipeline` command through the real dispatcher (`main`), against the API simulator over
 * HTTPS (real msal-node) and the shared Azurite: exact operator messages, exit codes, usage errors
 * refused before any request, and the effects in storage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_TYPES } from '../../shared/content-types.js';
import { PING_OK } from '../../shared/ops/admin.js';
import { outputBlobName } from '../../shared/storage/names.js';
import { COMMANDS } from '../../tools/cli/commands/index.js';
import { main } from '../../tools/cli/main.js';
import { startSimulator, type RunningSimulator } from '../../tools/simulator/index.js';
import {
  detectedValues,
  simEnv,
  simRuntime,
  trustCaProcessWide,
  type Env,
} from '../integration/ops/harness.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

interface Ran {
  code: number;
  out: string;
  err: string;
  lines: string[];
}

describe('o365-pipeline CLI', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;
  let cwd: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, hours: 12, eventsPerHour: 60 });
    restoreCa = trustCaProcessWide(sim.caPem);
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-cli-'));
  });
  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  const cli = async (argv: string[], env: Env = simEnv(sim)): Promise<Ran> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd });
    return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
  };
  const tenantId = () => sim.tenants[0]!.tenantId;

  describe('dispatcher and usage', () => {
    it('no command: usage and exit 2; --help: usage and exit 0', async () => {
      const none = await cli([]);
      expect(none.code).toBe(2);
      expect(none.out).toContain('Usage: o365-pipeline <command> [options]');
      const help = await cli(['--help']);
      expect(help.code).toBe(0);
      for (const c of COMMANDS) expect(help.out).toContain(c.path.join(' '));
    });

    it('an unknown command: exit 2 with the usage', async () => {
      const r = await cli(['frobnicate', '--now']);
      expect(r.code).toBe(2);
      expect(r.err).toContain("o365-pipeline: unknown command 'frobnicate --now'");
      expect(r.err).toContain('Usage: o365-pipeline <command> [options]');
      const partial = await cli(['subscriptions']);
      expect(partial.code).toBe(2);
      expect(partial.err).toContain("unknown command 'subscriptions'");
    });

    it('--help of every command: exit 0 with its summary and usage', async () => {
      for (const c of COMMANDS) {
        const r = await cli([...c.path, '--help']);
        expect({ command: c.path.join(' '), code: r.code }).toEqual({ command: c.path.join(' '), code: 0 });
        expect(r.out).toBe(`${c.summary}\n\nUsage: o365-pipeline ${c.usage}`);
      }
    });

    it('unknown options and stray arguments: exit 2 with a message and the usage, before any request', async () => {
      const calls = sim.requestLog.length;
      const cases: Array<[string[], RegExp]> = [
        [['ping', '--fast'], /o365-pipeline ping: .*--fast/],
        [['ping', 'extra'], /o365-pipeline ping: .*extra/],
        [['status', '--yaml'], /o365-pipeline status: .*--yaml/],
        [['subscriptions', 'list', 'Audit.Exchange'], /subscriptions list: .*Audit\.Exchange/],
      ];
      for (const [argv, message] of cases) {
        const r = await cli(argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
        expect(r.err).toMatch(message);
        expect(r.err).toContain('Usage: o365-pipeline ');
      }
      expect(sim.requestLog.length).toBe(calls);
    });
  });

  describe('ping', () => {
    it('prints the exact success message', async () => {
      const r = await cli(['ping']);
      expect(r.code).toBe(0);
      expect(r.lines).toEqual([PING_OK]);
      expect(r.out).toBe(
        'Successfully connected to the O365 Management API with the provided connection parameters!',
      );
    });

    it('exits 1 with the failure message on a wrong secret, never echoing the secret', async () => {
      const r = await cli(['ping'], simEnv(sim, { O365_CLIENT_SECRET: 'definitely-wrong-secret' }));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Failed to connect to the O365 Management API! Error is .*invalid_client/);
      expect(r.out).toBe('');
      expect(r.err).not.toContain('definitely-wrong-secret');
    });
  });

  describe('subscriptions', () => {
    it('list prints every subscription as JSON', async () => {
      const r = await cli(['subscriptions', 'list']);
      expect(r.code).toBe(0);
      const subs = JSON.parse(r.out) as Array<{ contentType: string; status: string }>;
      expect(subs.map((s) => s.contentType).sort()).toEqual([...CONTENT_TYPES].sort());
    });

    it('stop and start print the exact messages and change the tenant', async () => {
      const stop = await cli(['subscriptions', 'stop', 'Audit.SharePoint']);
      expect(stop.code).toBe(0);
      expect(stop.out).toBe(
        'Successfully stopped O365 Management API subscription for the Audit.SharePoint content type!',
      );
      const listed = JSON.parse((await cli(['subscriptions', 'list'])).out) as Array<{
        contentType: string;
        status: string;
      }>;
      expect(listed.find((s) => s.contentType === 'Audit.SharePoint')?.status).toBe('disabled');

      const start = await cli(['subscriptions', 'start', 'Audit.SharePoint']);
      expect(start.code).toBe(0);
      expect(start.out).toBe(
        'Successfully created O365 Management API subscription for the Audit.SharePoint content type!',
      );
      const again = JSON.parse((await cli(['subscriptions', 'list'])).out) as Array<{
        contentType: string;
        status: string;
      }>;
      expect(again.find((s) => s.contentType === 'Audit.SharePoint')?.status).toBe('enabled');
    });

    it('bad arguments: exit 2 with a clear message, before any request', async () => {
      const calls = sim.requestLog.length;
      const cases: Array<[string[], string]> = [
        [['subscriptions', 'start'], 'give exactly one content type'],
        [['subscriptions', 'start', 'Audit.Exchange', 'DLP.All'], 'give exactly one content type'],
        [['subscriptions', 'start', 'Audit.Nope'], "unknown content type 'Audit.Nope'"],
        [['subscriptions', 'stop'], 'give exactly one content type'],
        [['subscriptions', 'stop', 'audit.exchange'], "unknown content type 'audit.exchange'"],
        [
          [
            'subscriptions',
            'start',
            'Audit.Exchange',
            '--webhook',
            'http://app.example.net/api/notifications',
          ],
          '--webhook must be an https URL',
        ],
      ];
      for (const [argv, message] of cases) {
        const r = await cli(argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
        expect(r.err).toContain(message);
      }
      expect(sim.requestLog.length).toBe(calls);
    });
  });

  describe('content', () => {
    it('list prints the items of the window as the simulator lists them', async () => {
      const end = Date.now() - HOUR;
      const start = end - 6 * HOUR;
      const r = await cli([
        'content',
        'list',
        '--content-type',
        'Audit.Exchange',
        '--start',
        iso(start),
        '--end',
        iso(end),
      ]);
      expect(r.code).toBe(0);
      const items = JSON.parse(r.out) as Array<{ contentId: string }>;
      const truth = sim.blobs(
        tenantId(),
        'Audit.Exchange',
        new Date(iso(start) + 'Z'),
        new Date(iso(end) + 'Z'),
      );
      expect(truth.length).toBeGreaterThan(0);
      expect(items.map((i) => i.contentId).sort()).toEqual(truth.map((b) => b.contentId).sort());
      expect(r.err).toContain(`${truth.length} content blobs`);
    });

    it('list refuses windows over 24 h or older than 7 days, and bad dates, before any request', async () => {
      const calls = sim.requestLog.length;
      const now = Date.now();
      const cases: Array<[string[], string]> = [
        [
          ['--content-type', 'DLP.All', '--start', iso(now - 25 * HOUR), '--end', iso(now)],
          'at most 24 hours',
        ],
        [
          [
            '--content-type',
            'DLP.All',
            '--start',
            iso(now - 8 * 24 * HOUR),
            '--end',
            iso(now - 8 * 24 * HOUR + HOUR),
          ],
          'at most 7 days in the past',
        ],
        [['--content-type', 'DLP.All', '--start', 'monday'], "startTime 'monday' is not a date"],
        [
          ['--content-type', 'DLP.All', '--start', iso(now - HOUR), '--end', iso(now - 2 * HOUR)],
          'startTime must be before endTime',
        ],
        [[], "unknown content type ''"],
        [['--content-type', 'Exchange'], "unknown content type 'Exchange'"],
        [['--content-type'], 'argument missing'],
      ];
      for (const [args, message] of cases) {
        const r = await cli(['content', 'list', ...args]);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.err).toContain(message);
      }
      // Only token calls may have happened (the runtime is built before the window is checked); no listing.
      expect(sim.requestLog.slice(calls).filter((e) => e.kind !== 'token')).toEqual([]);
    });

    it('get prints the records of a blob as NDJSON, by contentId or contentUri, with DLP values masked', async () => {
      const dlp = sim
        .blobs(tenantId(), 'DLP.All', new Date(Date.now() - 6 * HOUR), new Date(Date.now() - HOUR))
        .find((b) => detectedValues(sim.blobRecords(tenantId(), b.contentId)).length > 0);
      expect(dlp).toBeDefined();
      const values = detectedValues(sim.blobRecords(tenantId(), dlp!.contentId));
      for (const ref of [dlp!.contentId, dlp!.contentUri]) {
        const r = await cli(['content', 'get', ref]);
        expect(r.code).toBe(0);
        expect(r.lines).toHaveLength(dlp!.recordCount);
        const ids = r.lines.map((l) => (JSON.parse(l) as { Id: string }).Id);
        expect(new Set(ids)).toEqual(new Set(dlp!.eventIds));
        for (const v of values) expect(r.out).not.toContain(v);
        expect(r.out).toContain('[REDACTED]');
        expect(r.err).toContain(`${dlp!.recordCount} records`);
      }
    });

    it('get refuses a contentUri on another host (exit 1) and bad arguments (exit 2)', async () => {
      const forged = await cli([
        'content',
        'get',
        'https://attacker.example.com/api/v1.0/x/activity/feed/audit/y',
      ]);
      expect(forged.code).toBe(1);
      expect(forged.err).toMatch(/o365-pipeline content get: .+/);
      expect(sim.requestLog.some((e) => e.url.includes('attacker'))).toBe(false);
      const none = await cli(['content', 'get']);
      expect(none.code).toBe(2);
      expect(none.err).toContain('give exactly one contentId or contentUri');
    });
  });

  describe('backfill, status, poison replay', () => {
    it('backfill enqueues the last N hours once; a repeat enqueues nothing; status shows it in text and JSON', async () => {
      const env = simEnv(sim, { O365_CONTENT_TYPES: 'Audit.Exchange,DLP.All' });
      const first = await cli(['backfill', '--hours', '3'], env);
      expect(first.code).toBe(0);
      const total = Number(/backfill of 3 h: (\d+) content blobs enqueued on (\S+)/.exec(first.out)?.[1]);
      expect(first.out).toContain(`on ${env.O365_QUEUE_NAME}`);
      const now = Date.now();
      const truth = ['Audit.Exchange', 'DLP.All'].flatMap((ct) =>
        sim.blobs(tenantId(), ct as 'DLP.All', new Date(now - 3 * HOUR + 60_000), new Date(now - 60_000)),
      );
      expect(total).toBeGreaterThanOrEqual(truth.length);
      expect(total).toBeGreaterThan(0);
      expect(first.out).toMatch(/Audit\.Exchange: \d+ content blobs enqueued, 0 already known/);

      const rt = await simRuntime(sim, env);
      expect((await rt.queue.depth()).queue).toBe(total);
      for (const ct of ['Audit.Exchange', 'DLP.All'] as const) {
        const mine = truth.filter((b) => b.contentType === ct);
        const known = await rt.ledger.known(tenantId(), ct, mine);
        expect([...known].sort()).toEqual(mine.map((b) => b.contentId).sort());
      }

      const second = await cli(['backfill', '--hours', '3'], env);
      expect(second.code).toBe(0);
      expect(second.out).toContain('backfill of 3 h: 0 content blobs enqueued');
      expect(second.out).toMatch(/DLP\.All: 0 content blobs enqueued, [1-9]\d* already known/);
      expect((await rt.queue.depth()).queue).toBe(total);

      const text = await cli(['status'], env);
      expect(text.code).toBe(0);
      expect(text.out).toContain(`tenant ${tenantId()}`);
      expect(text.out).toContain(`queue: ${total} waiting, 0 in poison`);
      expect(text.out).toMatch(/Audit\.Exchange/);

      const json = await cli(['status', '--json'], env);
      expect(json.code).toBe(0);
      const report = JSON.parse(json.out) as {
        tenantId: string;
        queue: { depth: number; poison: number };
        contentTypes: Array<{ contentType: string; ledger: { enqueued: number } }>;
      };
      expect(report.tenantId).toBe(tenantId());
      expect(report.queue).toEqual({ depth: total, poison: 0 });
      expect(report.contentTypes.map((t) => t.contentType)).toEqual(['Audit.Exchange', 'DLP.All']);
      expect(report.contentTypes.reduce((n, t) => n + t.ledger.enqueued, 0)).toBe(total);
    });

    it('backfill: --hours missing, zero, too large or not a number → exit 2', async () => {
      const cases: Array<[string[], string]> = [
        [['backfill'], '--hours is required'],
        [['backfill', '--hours', '0'], '--hours must be an integer from 1 to 167'],
        [['backfill', '--hours', '168'], '--hours must be an integer from 1 to 167'],
        [['backfill', '--hours', 'two'], '--hours must be an integer from 1 to 167'],
        [
          ['backfill', '--hours', '2', '--content-types', 'Audit.Exchange,Nope'],
          "unknown content type 'Nope'",
        ],
      ];
      for (const [argv, message] of cases) {
        const r = await cli(argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
        expect(r.err).toContain(message);
      }
    });

    it('poison replay --max N moves N messages back to the content queue', async () => {
      const env = simEnv(sim);
      const rt = await simRuntime(sim, env);
      for (const t of ['one', 'two', 'three'])
        await rt.clients.poison.sendMessage(Buffer.from(t).toString('base64'));
      const r = await cli(['poison', 'replay', '--max', '2'], env);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`2 messages moved from ${env.O365_QUEUE_NAME}-poison to ${env.O365_QUEUE_NAME}`);
      expect(await rt.queue.depth()).toEqual({ queue: 2, poison: 1 });
      const rest = await cli(['poison', 'replay'], env);
      expect(rest.out).toMatch(/^1 messages moved/);
      expect(await rt.queue.depth()).toEqual({ queue: 3, poison: 0 });
      for (const bad of ['0', 'all', '100001', '2.5']) {
        const b = await cli(['poison', 'replay', '--max', bad], env);
        expect({ bad, code: b.code }).toEqual({ bad, code: 2 });
        expect(b.err).toContain('--max must be an integer from 1 to 100000');
      }
      // parseArgs reads "-1" as an option, not a value: still a usage error naming --max.
      const negative = await cli(['poison', 'replay', '--max', '-1'], env);
      expect(negative.code).toBe(2);
      expect(negative.err).toMatch(/o365-pipeline poison replay: .*--max/);
      expect(await rt.queue.depth()).toEqual({ queue: 3, poison: 0 });
    });
  });

  describe('events', () => {
    let env: Env;
    const written: Record<string, string[]> = {};

    beforeAll(async () => {
      env = simEnv(sim);
      const rt = await simRuntime(sim, env);
      const blobs: Array<[string, string, string, number]> = [
        ['Audit.Exchange', 'cid-a', '2026-11-20T10:15:00Z', 2],
        ['Audit.Exchange', 'cid-b', '2026-11-21T05:40:00Z', 2],
        ['DLP.All', 'cid-c', '2026-11-21T06:05:00Z', 1],
      ];
      for (const [ct, cid, created, n] of blobs) {
        const lines = Array.from({ length: n }, (_, i) =>
          JSON.stringify({ id: `${cid}-${i}`, contentType: ct, contentId: cid, time: created }),
        );
        written[cid] = lines;
        await rt.clients.container
          .getBlockBlobClient(outputBlobName(tenantId(), ct, cid, created))
          .upload(gzipSync(`${lines.join('\n')}\n`), 0, {
            blobHTTPHeaders: { blobContentType: 'application/x-ndjson', blobContentEncoding: 'gzip' },
          });
      }
    });

    const ids = (r: Ran) => r.lines.map((l) => (JSON.parse(l) as { id: string }).id).sort();

    it('prints every event as NDJSON', async () => {
      const r = await cli(['events'], env);
      expect(r.code).toBe(0);
      expect(ids(r)).toEqual(['cid-a-0', 'cid-a-1', 'cid-b-0', 'cid-b-1', 'cid-c-0']);
      expect(r.err).toContain('5 events');
    });

    it('filters by --content-type and --since, and stops at --limit', async () => {
      expect(ids(await cli(['events', '--content-type', 'DLP.All'], env))).toEqual(['cid-c-0']);
      expect(ids(await cli(['events', '--since', '2026-11-21T00:00:00Z'], env))).toEqual([
        'cid-b-0',
        'cid-b-1',
        'cid-c-0',
      ]);
      expect(
        ids(
          await cli(['events', '--content-type', 'Audit.Exchange', '--since', '2026-11-21T06:00:00Z'], env),
        ),
      ).toEqual([]);
      const limited = await cli(['events', '--limit', '3'], env);
      expect(limited.code).toBe(0);
      expect(limited.lines).toHaveLength(3);
    });

    it('bad --since, --content-type or --limit → exit 2', async () => {
      const cases: Array<[string[], string]> = [
        [['--since', 'last week'], '--since must be an ISO-8601 date'],
        [['--content-type', 'Exchange'], "unknown content type 'Exchange'"],
        [['--limit', '0'], '--limit must be an integer from 1 to 10000000'],
        [['--limit', 'ten'], '--limit must be an integer from 1 to 10000000'],
      ];
      for (const [args, message] of cases) {
        const r = await cli(['events', ...args], env);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.err).toContain(message);
      }
    });
  });
});
