/** Bearer token rules of the feed: 401 shapes, AF20010, AF10001, ReadDlp stripping, revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { apiTime, client, feedPath, type Json } from './helpers.js';

const T0 = new Date('2026-03-10T12:00:00Z');

describe('feed authorization', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  const clock = new FrozenClock(T0);
  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, tenants: 2, clock, hours: 48, eventsPerHour: 40 });
    http = client(sim);
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const list = (tenantIndex = 0) => feedPath(sim.tenants[tenantIndex]!.tenantId, 'subscriptions/list');
  const denied = { Message: 'Authorization has been denied for this request.' };

  it('answers 401 without a token and records the violation', async () => {
    const res = await http.call('GET', list());
    expect(res.status).toBe(401);
    expect(res.json).toEqual(denied);
    const entry = sim.requestLog.at(-1)!;
    expect(entry).toMatchObject({ kind: 'list', hadToken: false, status: 401 });
    expect(entry.violations).toContain('tokenMissing');
  });

  it('answers 401 to a malformed, foreign-signed or expired token', async () => {
    expect((await http.call('GET', list(), { token: 'abc.def.ghi' })).status).toBe(401);
    const good = await http.token();
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`;
    const forgedRes = await http.call('GET', list(), { token: forged });
    expect(forgedRes.status).toBe(401);
    expect(forgedRes.json).toEqual(denied);
    expect(sim.requestLog.at(-1)!.hadToken).toBe(true);
    clock.advance(3600_000);
    const expired = await http.call('GET', list(), { token: good });
    expect(expired.status).toBe(401);
    clock.set(T0);
  });

  it('answers 401 to tokens issued before a revocation moment', async () => {
    const old = await http.token();
    clock.advance(1);
    sim.setFaults({ revokeTokensIssuedBefore: clock.now() });
    expect((await http.call('GET', list(), { token: old })).status).toBe(401);
    const fresh = await http.token();
    expect((await http.call('GET', list(), { token: fresh })).status).toBe(200);
    sim.setFaults({});
  });

  it('answers AF20010 when the token is for another tenant', async () => {
    const tokenOfSecond = await http.token(1);
    const res = await http.call('GET', list(0), { token: tokenOfSecond });
    expect(res.json.error.code).toBe('AF20010');
    expect(res.json.error.message).toBe(
      `The tenant ID passed in the URL (${sim.tenants[0]!.tenantId}) does not match the tenant ID passed in the access token (${sim.tenants[1]!.tenantId}).`,
    );
    expect(sim.requestLog.at(-1)!.afCode).toBe('AF20010');
    expect(sim.requestLog.at(-1)!.violations).toContain('tokenOtherTenant');
    // The tenant's own token breaks no rule.
    expect((await http.call('GET', list(1), { token: tokenOfSecond })).status).toBe(200);
    expect(sim.requestLog.at(-1)!.violations).toEqual([]);
  });

  it('records a bearer token sent to the token endpoint, discovery or an unknown path', async () => {
    const token = await http.token();
    expect(sim.requestLog.at(-1)!.violations).toEqual([]);
    const t = sim.tenants[0]!;
    const bearer = { authorization: `Bearer ${token}` };
    const sent = [
      await http.call('GET', `/${t.tenantId}/v2.0/.well-known/openid-configuration`, { token }),
      await http.call('GET', '/common/discovery/instance?api-version=1.1', { token }),
      await http.call('POST', `/${t.tenantId}/oauth2/v2.0/token`, {
        headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: t.clientId,
          client_secret: t.clientSecret,
          scope: `${sim.apiRoot}/.default`,
        }).toString(),
      }),
      await http.call('GET', '/somewhere/else', { token }),
    ];
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 404]);
    const entries = sim.requestLog.slice(-4);
    expect(entries.map((e) => e.kind)).toEqual(['discovery', 'discovery', 'token', 'other']);
    for (const e of entries) expect(e.violations).toEqual(['tokenSentElsewhere']);
    // Client authentication the token endpoint expects (Basic) is not a misplaced token.
    await http.call('GET', `/${t.tenantId}/v2.0/.well-known/openid-configuration`, {
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(sim.requestLog.at(-1)!.violations).toEqual([]);
  });

  it('answers AF10001 without ActivityFeed.Read', async () => {
    sim.tenants[0]!.roles = ['ServiceHealth.Read'];
    try {
      const token = await http.token();
      const res = await http.call('GET', list(), { token });
      expect(res.json.error).toEqual({
        code: 'AF10001',
        message:
          'The permission set (ServiceHealth.Read) sent in the request did not include the expected permission ActivityFeed.Read.',
      });
    } finally {
      sim.tenants[0]!.roles = ['ActivityFeed.Read', 'ActivityFeed.ReadDlp'];
    }
  });

  it('strips DLP detections without ActivityFeed.ReadDlp, keeps them with it', async () => {
    const t = sim.tenants[0]!;
    const items = await http.call(
      'GET',
      feedPath(t.tenantId, 'subscriptions/content', {
        contentType: 'DLP.All',
        startTime: apiTime(T0.getTime() - 12 * 3600_000),
        endTime: apiTime(T0),
      }),
      { token: await http.token() },
    );
    const uri = `${items.json[0].contentUri}?PublisherIdentifier=${t.tenantId}`;
    const detections = (records: Json[]) =>
      records.flatMap((r) =>
        r.PolicyDetails.flatMap((p: Json) =>
          p.Rules.flatMap((ru: Json) => ru.ConditionsMatched.SensitiveInformation),
        ),
      );

    const full = await http.call('GET', uri, { token: await http.token() });
    expect(full.json.every((r: Json) => r.SensitiveInfoDetectionIsIncluded === true)).toBe(true);
    expect(
      detections(full.json).every((si: Json) => si.SensitiveInformationDetections.DetectedValues.length > 0),
    ).toBe(true);

    t.roles = ['ActivityFeed.Read'];
    try {
      const stripped = await http.call('GET', uri, { token: await http.token() });
      expect(stripped.status).toBe(200);
      expect(stripped.json).toHaveLength(full.json.length);
      expect(stripped.json.every((r: Json) => r.SensitiveInfoDetectionIsIncluded === false)).toBe(true);
      expect(detections(stripped.json).some((si: Json) => 'SensitiveInformationDetections' in si)).toBe(
        false,
      );
      // Counts and confidences stay.
      expect(detections(stripped.json).map((si: Json) => si.Count)).toEqual(
        detections(full.json).map((si: Json) => si.Count),
      );
    } finally {
      t.roles = ['ActivityFeed.Read', 'ActivityFeed.ReadDlp'];
    }
  });

  it('accepts a delegated token (scp) from a refresh token', async () => {
    const t = sim.tenants[0]!;
    const rt = sim.issueRefreshToken(t.tenantId);
    const res = await http.call('POST', `/${t.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: t.clientId,
        refresh_token: rt,
        scope: `${sim.apiRoot}/.default`,
      }).toString(),
    });
    const listed = await http.call('GET', list(), { token: res.json.access_token });
    expect(listed.status).toBe(200);
    expect(listed.json).toHaveLength(5);
  });

  it('sends the headers of the real service', async () => {
    const res = await http.call('GET', list(), { token: await http.token() });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(new Date(res.headers.get('date')!).getTime()).not.toBeNaN();
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });
});
