/**
 * The /api/tenants routes through their function handlers: real HttpRequest objects, the
 * registry on Azurite, the API simulator over HTTPS with real msal-node for the checks and the
 * subscription starts and stops. (Their `function` auth level is checked with every other
 * route's in ops/registrations.test.ts.)
 */
import type { HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeAddTenantHandler,
  makeListTenantsHandler,
  makeRemoveTenantHandler,
  makeSetTenantStateHandler,
} from '../../../functions/tenants.js';
import { CONTENT_TYPES } from '../../../shared/content-types.js';
import { apiForTenant } from '../../../shared/tenants/tenant-api.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { uniqueName } from '../../helpers/storage.js';
import { context, request, simEnv, simRuntime, trustCaProcessWide } from '../ops/harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read loosely typed JSON bodies
type Body = any;
const body = (r: HttpResponseInit): Body => r.jsonBody;
const HOME = '7e57ab1e-0000-4000-8000-00000000c0de';

describe('/api/tenants', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 12, hours: 2, eventsPerHour: 10, tenants: 2 });
    restoreCa = trustCaProcessWide(sim.caPem);
  });
  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
  });

  const setup = async () => {
    const rt = await simRuntime(
      sim,
      simEnv(sim, { O365_TENANT_ID: HOME, O365_TENANT_TABLE: uniqueName('tenants') }),
    );
    const provider = () => rt;
    const fast = () => ({ checkRetryDelaysMs: [] });
    const list = makeListTenantsHandler(provider);
    const add = makeAddTenantHandler(provider, fast);
    const remove = makeRemoveTenantHandler(provider, fast);
    const disable = makeSetTenantStateHandler(provider, 'disabled');
    const enable = makeSetTenantStateHandler(provider, 'enabled');
    const id = (tenantId: string) => ({ params: { tenantId } });
    return {
      rt,
      list: async () =>
        body(await list(request({ method: 'GET', route: 'tenants' }), context().ctx)).tenants as Body[],
      add: (tenantId: string, b?: unknown) =>
        add(
          request({
            method: 'POST',
            route: `tenants/${tenantId}`,
            ...id(tenantId),
            ...(b === undefined ? {} : { body: typeof b === 'string' ? b : JSON.stringify(b) }),
          }),
          context().ctx,
        ),
      remove: (tenantId: string, query?: Record<string, string>) =>
        remove(
          request({ method: 'DELETE', route: `tenants/${tenantId}`, ...id(tenantId), query }),
          context().ctx,
        ),
      disable: (tenantId: string) =>
        disable(
          request({ method: 'POST', route: `tenants/${tenantId}/disable`, ...id(tenantId) }),
          context().ctx,
        ),
      enable: (tenantId: string) =>
        enable(
          request({ method: 'POST', route: `tenants/${tenantId}/enable`, ...id(tenantId) }),
          context().ctx,
        ),
    };
  };

  it('GET lists the settings tenant, read-only and collected', async () => {
    const h = await setup();
    expect(await h.list()).toEqual([
      { tenantId: HOME, origin: 'setting', state: 'enabled', collected: true },
    ]);
  });

  it('POST adds a reachable tenant (checked, subscriptions started); again: 200 with the overrides updated', async () => {
    const h = await setup();
    const t = sim.tenants[0]!.tenantId;
    await apiForTenant(h.rt)(t).stopSubscription('DLP.All');

    const r = await h.add(t.toUpperCase(), {
      displayName: 'Contoso',
      contentTypes: ['DLP.All', 'Audit.Exchange'],
    });
    expect(r.status).toBe(201);
    expect(body(r)).toMatchObject({
      message: `tenant ${t} registered and enabled`,
      tenant: {
        tenantId: t,
        state: 'enabled',
        source: 'http',
        displayName: 'Contoso',
        contentTypes: ['DLP.All', 'Audit.Exchange'],
      },
      subscriptions: { started: ['DLP.All'], enabled: ['Audit.Exchange'], failed: [] },
    });
    const subs = await apiForTenant(h.rt)(t).listSubscriptions();
    expect(subs.find((s) => s.contentType === 'DLP.All')?.status).toBe('enabled');

    const again = await h.add(t, { displayName: 'Contoso Ltd' });
    expect(again.status).toBe(200);
    expect(body(again).message).toMatch(/^tenant .* was already registered \(enabled, added .* by http\)$/);
    expect(body(again).tenant).toMatchObject({
      displayName: 'Contoso Ltd',
      contentTypes: ['DLP.All', 'Audit.Exchange'],
    });
    expect((await h.list()).map((e: Body) => [e.tenantId, e.origin, e.collected])).toEqual([
      [HOME, 'setting', true],
      [t, 'registry', true],
    ]);
  });

  it('POST refuses bad ids and bodies with 400, the settings tenant with 409, an unreachable tenant with 502; nothing is written', async () => {
    const h = await setup();
    const calls = sim.requestLog.length;
    const badId = await h.add('contoso.onmicrosoft.com');
    expect(badId.status).toBe(400);
    expect(body(badId).error).toBe(
      'tenant id "contoso.onmicrosoft.com" is not a GUID; accepted: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (the customer\'s Entra tenant id)',
    );
    const t = sim.tenants[0]!.tenantId;
    expect((await h.add(t, '{nope')).status).toBe(400);
    const unknownField = await h.add(t, { display: 'x' });
    expect(unknownField.status).toBe(400);
    expect(body(unknownField).error).toContain('display');
    const badType = await h.add(t, { contentTypes: ['Audit.Nope'] });
    expect(badType.status).toBe(400);
    expect(body(badType).error).toContain('contentTypes.0');
    expect(sim.requestLog.length).toBe(calls);

    const setting = await h.add(HOME);
    expect(setting.status).toBe(409);
    expect(body(setting).error).toContain('comes from the settings (O365_TENANTS, or O365_TENANT_ID alone)');

    const unreachable = await h.add(sim.tenants[1]!.tenantId);
    expect(unreachable.status).toBe(502);
    expect(body(unreachable).error).toMatch(/is not registered: the app cannot reach it \(.*AADSTS700016/);
    expect((await h.list()).map((e: Body) => e.tenantId)).toEqual([HOME]);
  });

  it('POST with skipCheck registers without any API call', async () => {
    const h = await setup();
    const t = sim.tenants[1]!.tenantId;
    const calls = sim.requestLog.length;
    const r = await h.add(t, { skipCheck: true });
    expect(r.status).toBe(201);
    expect(body(r).subscriptions).toBeUndefined();
    expect(sim.requestLog.length).toBe(calls);
    expect(await h.rt.tenants.get(t)).toMatchObject({ state: 'enabled', source: 'http' });
  });

  it('disable and enable: the row stays, collected follows the state; unknown tenant 404', async () => {
    const h = await setup();
    const t = sim.tenants[1]!.tenantId;
    await h.add(t, { skipCheck: true });
    const d = await h.disable(t);
    expect(d.status).toBe(200);
    expect(body(d)).toMatchObject({ message: `tenant ${t} disabled`, tenant: { state: 'disabled' } });
    expect((await h.list()).find((e: Body) => e.tenantId === t)).toMatchObject({
      state: 'disabled',
      collected: false,
    });
    expect(body(await h.disable(t)).message).toBe(`tenant ${t} was already disabled`);
    expect(body(await h.enable(t)).message).toBe(`tenant ${t} enabled`);
    const unknown = await h.enable('ffffffff-0000-4000-8000-000000000001');
    expect(unknown.status).toBe(404);
    expect(body(unknown).error).toBe('tenant ffffffff-0000-4000-8000-000000000001 is not registered');
    expect((await h.disable('x')).status).toBe(400);
  });

  it('disabling the settings tenant writes a row that wins; enabling it again', async () => {
    const h = await setup();
    const r = await h.disable(HOME);
    expect(r.status).toBe(200);
    expect(body(r).message).toContain('the registry row decides');
    expect(await h.list()).toEqual([
      expect.objectContaining({
        tenantId: HOME,
        origin: 'both',
        state: 'disabled',
        collected: false,
        source: 'http',
      }),
    ]);
    await h.enable(HOME);
    expect((await h.list())[0]).toMatchObject({ origin: 'both', state: 'enabled', collected: true });
  });

  it('DELETE removes the row, with stopSubscriptions also its subscriptions; 404 after, 409 for the settings tenant', async () => {
    const h = await setup();
    const t = sim.tenants[0]!.tenantId;
    expect((await h.add(t)).status).toBe(201);

    const r = await h.remove(t, { stopSubscriptions: 'true' });
    expect(r.status).toBe(200);
    expect(body(r).subscriptions).toEqual({ stopped: [...CONTENT_TYPES], failed: [] });
    const subs = await apiForTenant(h.rt)(t).listSubscriptions();
    expect(subs.every((s) => s.status === 'disabled')).toBe(true);
    expect(await h.rt.tenants.get(t)).toBeUndefined();
    // Leave the simulator as the other tests expect it.
    for (const ct of CONTENT_TYPES) await apiForTenant(h.rt)(t).startSubscription(ct);

    expect((await h.remove(t)).status).toBe(404);
    const setting = await h.remove(HOME);
    expect(setting.status).toBe(409);
    expect(body(setting).error).toContain('or disable it (`tenants disable`)');
    expect((await h.remove(t, { stopSubscriptions: 'maybe' })).status).toBe(400);
  });

  it('DELETE of an unreachable tenant with stopSubscriptions: the row goes, the failed stops answer 502', async () => {
    const h = await setup();
    const t = sim.tenants[1]!.tenantId;
    await h.add(t, { skipCheck: true, contentTypes: ['Audit.General'] });
    const r = await h.remove(t, { stopSubscriptions: 'true' });
    expect(r.status).toBe(502);
    expect(body(r).message).toMatch(
      /^tenant .* removed; subscriptions that could not be stopped: Audit.General: .*AADSTS700016/,
    );
    expect(await h.rt.tenants.get(t)).toBeUndefined();
  });
});
