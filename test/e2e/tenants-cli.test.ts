/**
 * `o365-pipeline tenants …` through the real dispatcher, against the API simulator over HTTPS
 * (real msal-node) and the shared Azurite: consent-url → the consent route → the registry, and
 * list / add / disable / enable / remove with their exact messages and exit codes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsentHandler } from '../../functions/consent.js';
import { createRuntime, ensureStorage } from '../../shared/runtime.js';
import { verifyConsentState } from '../../shared/tenants/consent-state.js';
import { main } from '../../tools/cli/main.js';
import { startSimulator, type RunningSimulator } from '../../tools/simulator/index.js';
import { uniqueName } from '../helpers/storage.js';
import { context, request, simEnv, trustCaProcessWide, type Env } from '../integration/ops/harness.js';

const KEY = 'cli-consent-signing-key-0123456789abcdef';
const HOME = '7e57ab1e-0000-4000-8000-00000000c0de';

describe('o365-pipeline tenants', () => {
  let sim: RunningSimulator;
  let restoreCa: () => void;
  let cwd: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 13, hours: 2, eventsPerHour: 10, tenants: 2 });
    restoreCa = trustCaProcessWide(sim.caPem);
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-tenants-cli-'));
  });
  afterAll(async () => {
    restoreCa?.();
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  const envFor = (extra: Env = {}) =>
    simEnv(sim, {
      O365_TENANT_ID: HOME,
      O365_TENANT_TABLE: uniqueName('tenants'),
      O365_CONSENT_SIGNING_KEY: KEY,
      ...extra,
    });
  const cli = async (argv: string[], env: Env) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('consent-url prints the v2.0 admin consent URL with a signed state; the route accepts it and registers the tenant', async () => {
    const env = envFor();
    const r = await cli(['tenants', 'consent-url', '--redirect', 'https://app.example.net/api/consent'], env);
    expect(r.code).toBe(0);
    const url = new URL(r.out);
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.loginAuthority}/organizations/v2.0/adminconsent`);
    expect(url.searchParams.get('client_id')).toBe(sim.tenants[0]!.clientId);
    expect(url.searchParams.get('scope')).toBe(`${sim.apiRoot}/.default`);
    expect(url.searchParams.get('redirect_uri')).toBe('https://app.example.net/api/consent');
    const check = verifyConsentState(KEY, url.searchParams.get('state'), new Date());
    expect(check).toMatchObject({ ok: true, state: { redirect: 'https://app.example.net/api/consent' } });
    expect(check.ok && check.state.exp - check.state.iat).toBe(168 * 3_600_000);
    expect(r.err).toContain('redirect URI: https://app.example.net/api/consent (must be a Web redirect URI');
    expect(r.err).toContain('for: any organization; valid until');

    // Entra ID sends the admin back with the state; the deployed route (same settings) takes it.
    const t = sim.tenants[0]!.tenantId;
    const rt = createRuntime({ env });
    await ensureStorage(rt);
    const page = await makeConsentHandler(() => rt)(
      request({
        method: 'GET',
        route: 'consent',
        query: { admin_consent: 'True', tenant: t, state: url.searchParams.get('state')! },
      }),
      context().ctx,
    );
    expect(page.status).toBe(200);
    const list = await cli(['tenants', 'list', '--json'], env);
    expect(JSON.parse(list.out)).toEqual([
      { tenantId: HOME, origin: 'setting', state: 'enabled', collected: true },
      expect.objectContaining({
        tenantId: t,
        origin: 'registry',
        state: 'enabled',
        collected: true,
        source: 'consent',
      }),
    ]);
  });

  it('consent-url: a tenant-bound link, the local default redirect, and clear refusals', async () => {
    const env = envFor();
    const t = sim.tenants[1]!.tenantId;
    const bound = await cli(
      ['tenants', 'consent-url', '--tenant', t.toUpperCase(), '--valid-hours', '2'],
      env,
    );
    expect(bound.code).toBe(0);
    const url = new URL(bound.out);
    expect(url.pathname).toBe(`/${t}/v2.0/adminconsent`);
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:7071/api/consent');
    expect(verifyConsentState(KEY, url.searchParams.get('state'), new Date())).toMatchObject({
      ok: true,
      state: { tenant: t },
    });
    const onAzure = await cli(['tenants', 'consent-url'], {
      ...env,
      WEBSITE_HOSTNAME: 'func-x.azurewebsites.net',
    });
    expect(new URL(onAzure.out).searchParams.get('redirect_uri')).toBe(
      'https://func-x.azurewebsites.net/api/consent',
    );

    const refusals: Array<[string[], Env, number, string]> = [
      [
        ['--redirect', 'http://app.example.net/api/consent'],
        env,
        2,
        '--redirect must be an https URL (http only for localhost)',
      ],
      [['--redirect', 'https://app.example.net/api/consent?x=1'], env, 2, 'must not carry a query'],
      [['--tenant', 'contoso'], env, 2, '--tenant "contoso" is not a GUID'],
      [['--valid-hours', '0'], env, 2, '--valid-hours must be an integer from 1 to 720'],
      [[], { ...env, O365_CONSENT_SIGNING_KEY: '' }, 2, 'O365_CONSENT_SIGNING_KEY is not set'],
      [
        [],
        { ...env, O365_CONSENT_SIGNING_KEY: 'too-short' },
        1,
        'O365_CONSENT_SIGNING_KEY: (value hidden) is too short; accepted: at least 32 characters',
      ],
    ];
    for (const [args, e, code, message] of refusals) {
      const r = await cli(['tenants', 'consent-url', ...args], e);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.err).toContain(message);
      expect(r.out).toBe('');
    }
  });

  it('add, list, disable, enable, remove --stop-subscriptions: messages, exit codes and effects', async () => {
    const env = envFor();
    const t = sim.tenants[0]!.tenantId;

    const add = await cli(
      ['tenants', 'add', t, '--display-name', 'Contoso', '--content-types', 'Audit.Exchange,DLP.All'],
      env,
    );
    expect(add.code).toBe(0);
    expect(add.out).toBe(
      `tenant ${t} registered and enabled\nsubscriptions already enabled: Audit.Exchange, DLP.All`,
    );

    const list = await cli(['tenants', 'list'], env);
    expect(list.code).toBe(0);
    const lines = list.out.split('\n');
    expect(lines[0]).toMatch(/^TENANT\s+ORIGIN\s+STATE\s+COLLECTED\s+SOURCE\s+ADDED\s+NOTES$/);
    expect(lines[1]).toMatch(new RegExp(`^${HOME}\\s+setting\\s+enabled\\s+yes\\s+-\\s+-\\s+-$`));
    expect(lines[2]).toMatch(
      new RegExp(
        `^${t}\\s+registry\\s+enabled\\s+yes\\s+cli\\s+\\S+Z\\s+Contoso; types=Audit.Exchange,DLP.All$`,
      ),
    );
    expect(lines.at(-1)).toBe('2 tenants, 2 collected');

    expect((await cli(['tenants', 'disable', t], env)).out).toBe(`tenant ${t} disabled`);
    expect((await cli(['tenants', 'list'], env)).out).toContain('2 tenants, 1 collected');
    expect((await cli(['tenants', 'enable', t], env)).out).toBe(`tenant ${t} enabled`);

    const remove = await cli(['tenants', 'remove', t, '--stop-subscriptions'], env);
    expect(remove.code).toBe(0);
    expect(remove.out).toBe(`tenant ${t} removed; subscriptions stopped: Audit.Exchange, DLP.All`);
    const subs = JSON.parse(
      (await cli(['subscriptions', 'list'], { ...env, O365_TENANT_ID: t })).out,
    ) as Array<{
      contentType: string;
      status: string;
    }>;
    expect(
      subs
        .filter((s) => s.status === 'disabled')
        .map((s) => s.contentType)
        .sort(),
    ).toEqual(['Audit.Exchange', 'DLP.All']);
    for (const ct of ['Audit.Exchange', 'DLP.All'])
      expect((await cli(['subscriptions', 'start', ct], { ...env, O365_TENANT_ID: t })).code).toBe(0);
    expect((await cli(['tenants', 'list'], env)).out).toContain('1 tenants, 1 collected');
  });

  it('refusals: bad ids and options exit 2 before any request; settings tenant, unknown or unreachable tenant exit 1', async () => {
    const env = envFor();
    const calls = sim.requestLog.length;
    const usage: Array<[string[], string]> = [
      [['tenants', 'add', 'contoso.onmicrosoft.com'], 'tenant id "contoso.onmicrosoft.com" is not a GUID'],
      [['tenants', 'add'], 'give exactly one tenant id'],
      [
        ['tenants', 'add', sim.tenants[0]!.tenantId, '--content-types', 'Audit.Nope'],
        "--content-types has unknown 'Audit.Nope'",
      ],
      [['tenants', 'remove', 'x', '--stop'], 'Unknown option'],
      [['tenants', 'disable', '1234'], 'is not a GUID'],
    ];
    for (const [argv, message] of usage) {
      const r = await cli(argv, env);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain(message);
      expect(r.err).toContain('Usage: o365-pipeline tenants');
    }
    expect(sim.requestLog.length).toBe(calls);

    const setting = await cli(['tenants', 'add', HOME], env);
    expect(setting.code).toBe(1);
    expect(setting.err).toContain(`tenant ${HOME} comes from the settings`);
    const unknown = await cli(['tenants', 'enable', 'ffffffff-0000-4000-8000-000000000001'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err.split('\n').at(-1)).toBe(
      'o365-pipeline tenants enable: tenant ffffffff-0000-4000-8000-000000000001 is not registered',
    );
    const unreachable = await cli(['tenants', 'add', sim.tenants[1]!.tenantId], env);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toContain('is not registered: the app cannot reach it');
    expect(JSON.parse((await cli(['tenants', 'list', '--json'], env)).out)).toHaveLength(1);

    const skipped = await cli(['tenants', 'add', sim.tenants[1]!.tenantId, '--skip-check'], env);
    expect(skipped.code).toBe(0);
    expect(skipped.out).toBe(
      `tenant ${sim.tenants[1]!.tenantId} registered and enabled\nnot checked (--skip-check): subscriptions not started`,
    );
  });
});
