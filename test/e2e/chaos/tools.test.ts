/**
 * The suite's own instruments must be able to fail: the leak scanner finds planted secrets, tokens
 * and DLP values, and the crash plan parser refuses what it cannot honour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlpDetectedValues, needlesFor, scanForLeaks } from '../../../tools/chaos/leaks.js';
import {
  checkCheckpointSamples,
  checkOutputs,
  checkRequests,
  type OutputBlob,
} from '../../../tools/chaos/invariants.js';
import { withReplay } from '../../../tools/chaos/scenario.js';
import { outputBlobName } from '../../../shared/storage/names.js';
import { parseCrashAt } from '../../../tools/runner/chaos.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import type { BlobTruth, RequestLogEntry } from '../../../tools/simulator/types.js';

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
      `GET https://app.azurewebsites.net/api/status?code=aBcDeFgHiJkLmNoPqRsTuVwXyZ012345==`,
      `{"headers":{"x-functions-key":"aBcDeFgHiJkLmNoPqRsTuVwXyZ012345=="}}`,
      `https://acct.blob.core.windows.net/out?sv=2024-08-04&sig=aBcDeFgHiJkLmNoPqRsTuVwXyZ%2B012345%3D`,
    ];
    const hits = scanForLeaks(
      planted.map((text, i) => ({ source: `line ${i}`, text })),
      needles,
    );
    expect(new Set(hits.map((h) => h.kind))).toEqual(
      new Set(['clientSecret', 'privateKey', 'bearer', 'jwt', 'dlpValue', 'functionKey', 'sasSignature']),
    );
    expect(hits.filter((h) => h.kind === 'functionKey')).toHaveLength(2);
    for (const h of hits) expect(h.excerpt).not.toContain(tenant.clientSecret);
    // Every encoding masking must see through is caught too.
    const value = dlp[0]!;
    const encoded = [
      encodeURIComponent(value),
      encodeURIComponent(value).replace(/%20/g, '+'),
      [...value].map((c) => `&#${c.codePointAt(0)};`).join(''),
      value.replace(/\D/g, ''),
    ];
    for (const text of encoded)
      expect(
        scanForLeaks([{ source: 'enc', text: `x ${text} y` }], needles).map((h) => h.kind),
        text,
      ).toContain('dlpValue');
    expect(
      scanForLeaks(
        [
          {
            source: 'clean',
            text: '{"event":"http.failed","route":"https://app/api/status?code=[redacted]","x-functions-key":"[redacted]","url":"https://a/out?sig=[redacted]"}',
          },
        ],
        needles,
      ),
    ).toEqual([]);
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
    for (const misuse of ['tokenOtherTenant', 'tokenSentElsewhere', 'overQuota']) {
      expect(checkRequests([entry(0, [misuse])], 600, span).problems.join(), misuse).toContain(misuse);
    }
    expect(checkRequests([entry(0, ['blobFetchedTwice'])], 600, span).refetched).toBe(1);
    const burst = Array.from({ length: 40 }, (_, i) => entry(i));
    expect(checkRequests(burst, 600, span).problems.join()).toMatch(/budget/);
    expect(checkRequests(burst.slice(0, 5), 600, span).problems).toEqual([]);
  });
});

describe('exactly-once check', () => {
  const blob = (contentId: string, eventIds: string[]): BlobTruth => ({
    tenantId: 't1',
    contentType: 'Audit.General',
    contentId,
    contentUri: `https://x/${contentId}`,
    contentCreated: '2026-11-20T10:00:00.000Z',
    contentExpiration: '2026-11-27T10:00:00.000Z',
    listableAt: '2026-11-20T10:00:00.000Z',
    eventIds,
    recordCount: eventIds.length,
  });
  const out = (b: BlobTruth, ids: string[], name?: string): OutputBlob => ({
    name: name ?? outputBlobName(b.tenantId, b.contentType, b.contentId, b.contentCreated),
    contentId: b.contentId,
    ids,
    text: '',
  });
  // The API delivers e2 in both blobs (a cross-blob duplicate).
  const a = blob('A', ['e1', 'e2']);
  const b = blob('B', ['e2', 'e3']);

  it('passes when every Id is written once overall, in either blob that carried it', () => {
    for (const outputs of [
      [out(a, ['e1', 'e2']), out(b, ['e3'])],
      [out(a, ['e1']), out(b, ['e2', 'e3'])],
    ]) {
      const r = checkOutputs([a, b], outputs);
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ eventsChecked: 3, lost: 0, duplicated: 0 });
    }
  });

  it('fails on an Id in two blobs, twice in one blob, a lost Id, a foreign Id, a second copy of a blob and a blob without metadata', () => {
    const cases: Array<[OutputBlob[], RegExp, Partial<{ lost: number; duplicated: number }>]> = [
      [[out(a, ['e1', 'e2']), out(b, ['e2', 'e3'])], /event e2 is written 2 times/, { duplicated: 1 }],
      [[out(a, ['e1', 'e2', 'e1']), out(b, ['e3'])], /event e1 is written 2 times/, { duplicated: 1 }],
      [
        [out(a, ['e1']), out(b, ['e3'])],
        /event e2 is missing \(carried by Audit.General A, Audit.General B\)/,
        { lost: 1 },
      ],
      [[out(a, ['e1', 'e2', 'e3']), out(b, [])], /did not carry/, {}],
      [
        [out(a, ['e1', 'e2']), out(b, ['e3']), out(b, ['e3'], 'other/name.json.gz')],
        /two output blobs hold content B/,
        { duplicated: 1 },
      ],
      [[out(a, ['e1', 'e2']), { ...out(b, ['e3']), contentId: '' }], /has no contentid metadata/, {}],
    ];
    for (const [outputs, message, counts] of cases) {
      const r = checkOutputs([a, b], outputs);
      expect(r.problems.join('\n')).toMatch(message);
      expect(r).toMatchObject(counts);
    }
  });

  it('expects nothing of expired content but the Ids another blob carried, and flags its output', () => {
    const expired = new Set(['A']);
    expect(checkOutputs([a, b], [out(b, ['e2', 'e3'])], { expiredContentIds: expired })).toMatchObject({
      eventsChecked: 2,
      problems: [],
    });
    expect(
      checkOutputs([a, b], [out(a, ['e1']), out(b, ['e2', 'e3'])], {
        expiredContentIds: expired,
      }).problems.join(),
    ).toMatch(/expired content A has output/);
  });
});

describe('chaos failures name the seed', () => {
  it('adds the seed and the replay command to a failure, and to its own time limit', async () => {
    const failed = withReplay('demo', 4242, () => Promise.reject(new Error('boom')), { timeoutMs: 60_000 });
    await expect(failed).rejects.toThrow(
      /chaos scenario demo, seed 4242 \(replay: CHAOS_SEED=4242 .*\): boom/,
    );
    const hung = withReplay('demo', 4243, () => new Promise(() => {}), { timeoutMs: 50, marginMs: 0 });
    await expect(hung).rejects.toThrow(/seed 4243 \(replay: CHAOS_SEED=4243 .*\): timed out after 50 ms/);
    await expect(withReplay('demo', 1, () => Promise.resolve(7))).resolves.toBe(7);
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
