/**
 * GET /api/consent end to end through the function handler: real HttpRequest objects, the API
 * simulator over HTTPS with real msal-node for the tenant check, the registry on Azurite. Good,
 * replayed, denied, forged, expired, unreachable and misdirected consents; only the good one
 * registers anything, and the refused ones make no request to Entra ID or the API.
 */
import type { HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsentHandler } from '../../../functions/consent.js';
import { createRuntime } from '../../../shared/runtime.js';
import { signConsentState } from '../../../shared/tenants/consent-state.js';
import { apiForTenant } from '../../../shared/tenants/tenant-api.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { uniqueName } from '../../helpers/storage.js';
import { context, request, simEnv, simRuntime, trustCaProcessWide } from '../ops/harness.js';

const KEY = 'consent-signing-key-for-tests-0123456789';
const HOUR = 3_600_000;
const REDIRECT = 'https://app.example.net/api/consent';
/** The deployment's own tenant: not one the simulator knows, so every checked tenant is another. */
const HOME = '7e57ab1e-0000-4000-8000-00000000c0de';

describe('GET /api/consent', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, hours: 2, eventsPerHour: 10, tenants: 2 });
    // Clients for other tenants are built like the functions build them: no CA option.
    restoreCa = trustCaProcessWide(sim.caPem);
  });
  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
  });

  /** The app: the simulator's first app registration, deployed for HOME, with a fresh tenant table. */
  const setup = async (extra: Record<string, string> = {}) => {
    const rt = await simRuntime(
      sim,
      simEnv(sim, {
        O365_TENANT_ID: HOME,
        O365_TENANT_TABLE: uniqueName('tenants'),
        O365_CONSENT_SIGNING_KEY: KEY,
        ...extra,
      }),
    );
    const handler = makeConsentHandler(
      () => rt,
      () => ({ checkRetryDelaysMs: [0] }),
    );
    /** The structured lines the invocations logged (through their InvocationContext). */
    const logs: Array<Record<string, unknown>> = [];
    const call = async (query: Record<string, string>, route = 'consent') => {
      const { ctx, lines } = context('consent');
      const r = await handler(request({ method: 'GET', route, query }), ctx);
      for (const l of lines) logs.push(JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);
      return r;
    };
    return { rt, call, logs };
  };
  /** A state as `tenants consent-url` issues it. */
  const state = (
    o: { key?: string; now?: Date; validHours?: number; tenant?: string; redirect?: string } = {},
  ) =>
    signConsentState(o.key ?? KEY, {
      now: o.now ?? new Date(),
      validHours: o.validHours ?? 24,
      redirect: o.redirect ?? REDIRECT,
      tenant: o.tenant,
    }).state;
  /** The query Entra ID appends to the redirect URI after the admin accepted. */
  const granted = (tenant: string, s: string) => ({
    admin_consent: 'True',
    tenant,
    scope: `${sim.apiRoot}/.default`,
    state: s,
  });
  const body = (r: HttpResponseInit) => r.body as string;
  const requestsSince = (n: number) => sim.requestLog.slice(n);

  it('a good consent: the tenant is checked with a real token, registered from consent, its subscriptions started', async () => {
    const { rt, call, logs } = await setup();
    const t = sim.tenants[0]!.tenantId;
    const before = sim.requestLog.length;
    // One subscription stopped beforehand (with the app's client for that tenant, whose token the
    // check then reuses from MSAL's cache), so onboarding has one to start.
    await apiForTenant(rt)(t).stopSubscription('Audit.SharePoint');

    const r = await call(granted(t.toUpperCase(), state()));

    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    expect(body(r)).toContain(`Tenant <code>${t}</code> is registered`);
    expect(body(r)).toContain('Subscriptions started: <code>Audit.SharePoint</code>');
    const rec = await rt.tenants.get(t);
    expect(rec).toMatchObject({ tenantId: t, state: 'enabled', source: 'consent' });
    // A token from Entra ID for that tenant, its subscriptions/list with it, then the start.
    const kinds = requestsSince(before).map((e) => `${e.kind}:${e.tenantId ?? ''}:${e.status}`);
    expect(kinds).toContain(`token:${t}:200`);
    expect(kinds).toContain(`list:${t}:200`);
    expect(kinds).toContain(`start:${t}:200`);
    expect(requestsSince(before).every((e) => e.violations.length === 0)).toBe(true);
    expect(logs).toContainEqual(
      expect.objectContaining({ event: 'consent.accepted', tenantId: t, kind: 'registered' }),
    );
  });

  it('the same redirect again (a replay) changes nothing and calls nothing', async () => {
    const { rt, call } = await setup();
    const t = sim.tenants[0]!.tenantId;
    const s = state();
    expect((await call(granted(t, s))).status).toBe(200);
    await rt.tenants.remove(t);
    const before = sim.requestLog.length;

    const again = await call(granted(t, s));

    expect(again.status).toBe(409);
    expect(body(again)).toContain('This consent link was already used');
    expect(await rt.tenants.get(t)).toBeUndefined();
    expect(sim.requestLog.length).toBe(before);
  });

  it('denied consent: nothing registered, Entra’s reason shown escaped, a structured event, no request', async () => {
    const { rt, call, logs } = await setup();
    const before = sim.requestLog.length;
    const r = await call({
      admin_consent: 'True',
      error: 'access_denied',
      error_description: 'AADSTS65004: User declined to consent to access the app. <script>x</script>',
      state: state(),
    });
    expect(r.status).toBe(400);
    expect(body(r)).toContain('Consent was not granted');
    expect(body(r)).toContain('Nothing was registered');
    expect(body(r)).toContain('<code>access_denied</code>');
    expect(body(r)).toContain('AADSTS65004: User declined to consent to access the app. &lt;script&gt;');
    expect(body(r)).not.toContain('<script>');
    expect(await rt.tenants.list()).toEqual([]);
    expect(sim.requestLog.length).toBe(before);
    expect(logs).toContainEqual(
      expect.objectContaining({
        event: 'consent.refused',
        level: 'warn',
        reason: 'denied',
        error: 'access_denied',
      }),
    );
  });

  it('forged states (another key, a tampered tenant binding, none at all) register nothing and call nothing', async () => {
    const { rt, call, logs } = await setup();
    const t = sim.tenants[0]!.tenantId;
    const before = sim.requestLog.length;

    const otherKey = await call(granted(t, state({ key: 'some-other-key-of-at-least-32-chars!!' })));
    expect(otherKey.status).toBe(400);
    expect(body(otherKey)).toContain('was not signed by this app');

    // Re-bind a state issued for tenant 1 to tenant 0 by editing its payload: the signature fails.
    const bound = state({ tenant: sim.tenants[1]!.tenantId });
    const [payload, sig] = bound.split('.') as [string, string];
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    edited.tenant = t;
    const rebound = await call(
      granted(t, `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${sig}`),
    );
    expect(rebound.status).toBe(400);
    expect(body(rebound)).toContain('was not signed by this app');

    const none = await call({ admin_consent: 'True', tenant: t });
    expect(none.status).toBe(400);
    expect(body(none)).toContain('This is not a consent link of this app');

    expect(await rt.tenants.list()).toEqual([]);
    expect(sim.requestLog.length).toBe(before);
    const reasons = logs.filter((r) => r.event === 'consent.refused').map((r) => r.reason);
    expect(reasons).toEqual(['forged', 'forged', 'malformed']);
  });

  it('an expired state registers nothing and says the link expired', async () => {
    const { rt, call } = await setup();
    const before = sim.requestLog.length;
    const r = await call(
      granted(sim.tenants[0]!.tenantId, state({ now: new Date(Date.now() - 25 * HOUR), validHours: 24 })),
    );
    expect(r.status).toBe(400);
    expect(body(r)).toContain('This consent link has expired');
    expect(await rt.tenants.list()).toEqual([]);
    expect(sim.requestLog.length).toBe(before);
  });

  it('a tenant the app cannot reach: retried, then nothing registered, the reason shown; the link stays usable', async () => {
    const { rt, call, logs } = await setup();
    // The app is not consented in the simulator's second tenant: Entra refuses its token.
    const t = sim.tenants[1]!.tenantId;
    const s = state();
    const before = sim.requestLog.length;

    const r = await call(granted(t, s));

    expect(r.status).toBe(502);
    expect(body(r)).toContain('Your tenant could not be reached');
    expect(body(r)).toContain('AADSTS700016');
    expect(await rt.tenants.list()).toEqual([]);
    const tokens = requestsSince(before).filter((e) => e.kind === 'token' && e.tenantId === t);
    expect(tokens.map((e) => e.status)).toEqual([400, 400]);
    expect(logs).toContainEqual(
      expect.objectContaining({ event: 'consent.refused', reason: 'unreachable', tenantId: t }),
    );
    // Not used up: once the tenant can be reached, the same link works (here: the reachable tenant).
    expect((await call(granted(sim.tenants[0]!.tenantId, s))).status).toBe(200);
  });

  it('a link issued for one tenant is refused for another; one issued for another address is refused', async () => {
    const { rt, call } = await setup();
    const t0 = sim.tenants[0]!.tenantId;
    const wrongTenant = await call(granted(t0, state({ tenant: sim.tenants[1]!.tenantId })));
    expect(wrongTenant.status).toBe(400);
    expect(body(wrongTenant)).toContain(
      `this consent link was issued for tenant ${sim.tenants[1]!.tenantId}`,
    );
    const elsewhere = await call(granted(t0, state({ redirect: 'https://app.example.net/api/other' })));
    expect(elsewhere.status).toBe(400);
    expect(body(elsewhere)).toContain('belongs to another address');
    const incomplete = await call({ state: state(), tenant: 'not-a-guid', admin_consent: 'True' });
    expect(incomplete.status).toBe(400);
    expect(body(incomplete)).toContain('no tenant id');
    expect(await rt.tenants.list()).toEqual([]);
  });

  it('the tenant the deployment already collects from its settings: confirmed, not registered again', async () => {
    const t = sim.tenants[0]!.tenantId;
    const { rt, call } = await setup({ O365_TENANT_ID: t });
    const r = await call(granted(t, state()));
    expect(r.status).toBe(200);
    expect(body(r)).toContain('is already collected by this deployment');
    expect(await rt.tenants.list()).toEqual([]);
  });

  it('without a signing key the route accepts nothing; a configuration error shows no internals', async () => {
    const { rt, call } = await setup({ O365_CONSENT_SIGNING_KEY: '' });
    const r = await call(granted(sim.tenants[0]!.tenantId, state()));
    expect(r.status).toBe(503);
    expect(body(r)).toContain('O365_CONSENT_SIGNING_KEY');
    expect(await rt.tenants.list()).toEqual([]);

    const { ctx, lines } = context('consent');
    const broken = await makeConsentHandler(() =>
      createRuntime({ env: { O365_CONSENT_SIGNING_KEY: 'short' } }),
    )(request({ method: 'GET', route: 'consent', query: { state: 'x' } }), ctx);
    expect(broken.status).toBe(500);
    expect(body(broken)).not.toContain('O365_');
    expect(lines.join('\n')).toContain('O365_CONSENT_SIGNING_KEY');
  });
});
