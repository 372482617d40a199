/**
 * The suite's own instruments must be able to fail: the leak scanner finds planted secrets, tokens
 * and DLP values, and the crash plan parser refuses what it cannot honour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlpDetectedValues, needlesFor, scanForLeaks } from '../../../tools/chaos/leaks.js';
import { checkCheckpointSamples, checkRequests } from '../../../tools/chaos/invariants.js';
import { parseCrashAt } from '../../../tools/runner/chaos.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import type { RequestLogEntry } from '../../../tools/simulator/types.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 9, hours: 2, eventsPerHour: 60 });
});
afterAll(async () => {
  await sim?.close();
});

describe('leak scanner', () => {
  it('finds the client secret, a key line, a bearer token, a JWT and a DLP value; nothing in clean text', () => {
    const tenant = sim.tenants[0]!;
    const dlp = dlpDetectedValues(sim, sim.blobs(tenant.tenantId, 'DLP.All'));
    expect(dlp.length).toBeGreaterThan(0);
    const needles = needlesFor(tenant, dlp);
    const keyLine = tenant.privateKeyPem.split('\n')[2]!;
    const planted = [
      `{"secret":"${tenant.clientSecret}"}`,
      `key ${keyLine}`,
      'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345',
      'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl',
      `found ${dlp[0]!} in mail`,
    ];
    const hits = scanForLeaks(
      planted.map((text, i) => ({ source: `line ${i}`, text })),
      needles,
    );
    expect(new Set(hits.map((h) => h.kind))).toEqual(
      new Set(['clientSecret', 'privateKey', 'bearer', 'jwt', 'dlpValue']),
    );
    for (const h of hits) expect(h.excerpt).not.toContain(tenant.clientSecret);
    expect(
      scanForLeaks(
        [{ source: 'clean', text: '{"event":"content.processed","Authorization":"Bearer [redacted]"}' }],
        needles,
      ),
    ).toEqual([]);
  });
});

describe('invariant checks', () => {
  it('flag a checkpoint that moves back, a broken API rule and a burst over budget', () => {
    const cp = (t: string) => ({
      tenantId: 't',
      contentType: 'Audit.Exchange' as const,
      listedThrough: t,
      lostWindows: { count: 0, minutes: 0 },
    });
    expect(checkCheckpointSamples([[cp('2026-11-20T10:00:00Z')], [cp('2026-11-20T11:00:00Z')]])).toEqual([]);
    expect(checkCheckpointSamples([[cp('2026-11-20T11:00:00Z')], [cp('2026-11-20T10:00:00Z')]])).toHaveLength(
      1,
    );
    const at = Date.parse('2026-11-20T10:00:00Z');
    const entry = (i: number, violations: string[] = []): RequestLogEntry => ({
      at: new Date(at + i).toISOString(),
      method: 'GET',
      kind: 'blob',
      url: `/x/${i}`,
      hadToken: true,
      status: 200,
      violations,
    });
    const span = [{ from: at, to: at + 60_000, processes: 1 }];
    expect(checkRequests([entry(0, ['window>24h'])], 600, span).problems).toHaveLength(1);
    expect(checkRequests([entry(0, ['blobFetchedTwice'])], 600, span).refetched).toBe(1);
    const burst = Array.from({ length: 40 }, (_, i) => entry(i));
    expect(checkRequests(burst, 600, span).problems.join()).toMatch(/budget/);
    expect(checkRequests(burst.slice(0, 5), 600, span).problems).toEqual([]);
  });
});

describe('O365_CHAOS_CRASH_AT', () => {
  it('parses point:N lists and refuses unknown points and counts', () => {
    expect([...parseCrashAt('list:3, upload:4')]).toEqual([
      ['list', 3],
      ['upload', 4],
    ]);
    expect(parseCrashAt(undefined).size).toBe(0);
    for (const bad of ['list', 'list:0', 'nowhere:1', 'upload:-1', 'list:1;upload:2'])
      expect(() => parseCrashAt(bad), bad).toThrow(/O365_CHAOS_CRASH_AT/);
  });
});
