/** Real @azure/msal-node against the simulated Entra: secret, certificate, errors, refresh tokens. */
import { createSign, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { createClientCertificate } from '../../../tools/simulator/tls.js';
import { client } from './helpers.js';
import { caNetworkClient } from './msal-network.js';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

/** An RS256 assertion with `x5t` (SHA-1), the older form MSAL uses with a SHA-1 thumbprint. */
function rs256Assertion(privateKeyPem: string, certPem: string, claims: Record<string, unknown>): string {
  const sha1 = new X509Certificate(certPem).fingerprint.replace(/:/g, '');
  const header = { alg: 'RS256', typ: 'JWT', x5t: b64url(Buffer.from(sha1, 'hex')) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(createSign('RSA-SHA256').update(input).sign(privateKeyPem))}`;
}

describe('simulated Entra ID', () => {
  let sim: RunningSimulator;
  let network: INetworkModule & { close(): Promise<void> };
  let http: ReturnType<typeof client>;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, tenants: 2 });
    network = caNetworkClient(sim.caPem);
    http = client(sim);
  });
  afterAll(async () => {
    await network.close();
    await http.close();
    await sim.close();
  });

  const cca = (auth: Record<string, unknown>, tenantIndex = 0) => {
    const t = sim.tenants[tenantIndex]!;
    return new ConfidentialClientApplication({
      auth: {
        clientId: t.clientId,
        authority: `${sim.loginAuthority}/${t.tenantId}`,
        knownAuthorities: [new URL(sim.loginAuthority).host],
        ...auth,
      },
      system: { networkClient: network },
    });
  };
  const scopes = () => [`${sim.apiRoot}/.default`];

  it('issues a token to msal-node with a client secret, with the claims the API checks', async () => {
    const t = sim.tenants[0]!;
    const result = await cca({ clientSecret: t.clientSecret }).acquireTokenByClientCredential({
      scopes: scopes(),
    });
    expect(result?.accessToken).toBeTruthy();
    const claims = claimsOf(result!.accessToken);
    expect(claims).toMatchObject({ aud: sim.apiRoot, tid: t.tenantId, appid: t.clientId });
    expect(claims.roles).toEqual(['ActivityFeed.Read', 'ActivityFeed.ReadDlp']);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3599);
    expect(String(claims.iss)).toContain(t.tenantId);
    // MSAL fetched the OpenID configuration from the simulator, not from login.microsoftonline.com.
    expect(
      sim.requestLog.some(
        (e) => e.kind === 'discovery' && e.url.includes('/v2.0/.well-known/openid-configuration'),
      ),
    ).toBe(true);
  });

  it('issues a token to msal-node with a certificate (PS256, x5t#S256, x5c)', async () => {
    const t = sim.tenants[0]!;
    const thumbprintSha256 = new X509Certificate(t.certificatePem).fingerprint256.replace(/:/g, '');
    const result = await cca({
      clientCertificate: { thumbprintSha256, privateKey: t.privateKeyPem, x5c: t.certificatePem },
    }).acquireTokenByClientCredential({ scopes: scopes() });
    expect(claimsOf(result!.accessToken).tid).toBe(t.tenantId);
    const tokenCall = sim.requestLog.filter((e) => e.kind === 'token').at(-1);
    expect(tokenCall?.status).toBe(200);
  });

  it('accepts an RS256 assertion with x5t (SHA-1 thumbprint)', async () => {
    const t = sim.tenants[0]!;
    const endpoint = `${sim.loginAuthority}/${t.tenantId}/oauth2/v2.0/token`;
    const now = Math.floor(Date.now() / 1000);
    const assertion = rs256Assertion(t.privateKeyPem, t.certificatePem, {
      aud: endpoint,
      iss: t.clientId,
      sub: t.clientId,
      exp: now + 600,
      nbf: now,
      jti: 'x',
    });
    const form = (a: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: t.clientId,
        scope: `${sim.apiRoot}/.default`,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: a,
      }).toString();
    const ok = await http.call('POST', endpoint, { body: form(assertion) });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });

    const expired = rs256Assertion(t.privateKeyPem, t.certificatePem, {
      aud: endpoint,
      iss: t.clientId,
      sub: t.clientId,
      exp: now - 10,
    });
    const r1 = await http.call('POST', endpoint, { body: form(expired) });
    expect(r1.status).toBe(401);
    expect(r1.json.error_codes).toEqual([700024]);

    const wrongAud = rs256Assertion(t.privateKeyPem, t.certificatePem, {
      aud: 'https://elsewhere/token',
      iss: t.clientId,
      sub: t.clientId,
      exp: now + 600,
    });
    const r2 = await http.call('POST', endpoint, { body: form(wrongAud) });
    expect(r2.status).toBe(401);
    expect(r2.json.error).toBe('invalid_client');

    const wrongIss = rs256Assertion(t.privateKeyPem, t.certificatePem, {
      aud: endpoint,
      iss: 'someone',
      sub: 'someone',
      exp: now + 600,
    });
    const r3 = await http.call('POST', endpoint, { body: form(wrongIss) });
    expect(r3.json.error_codes).toEqual([700021]);

    const tampered = `${assertion.slice(0, -6)}AAAAAA`;
    const r4 = await http.call('POST', endpoint, { body: form(tampered) });
    expect(r4.status).toBe(401);
    expect(r4.json.error_codes).toEqual([700027]);
  });

  it('rejects a wrong client secret with AADSTS7000215 (msal-node surfaces it)', async () => {
    await expect(
      cca({ clientSecret: 'not-the-secret' }).acquireTokenByClientCredential({ scopes: scopes() }),
    ).rejects.toThrow(/AADSTS7000215/);
    const res = await http.call('POST', `/${sim.tenants[0]!.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.tenants[0]!.clientId,
        client_secret: 'nope',
        scope: `${sim.apiRoot}/.default`,
      }).toString(),
    });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(res.json.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(res.json.trace_id).toBeTruthy();
    expect(res.json.correlation_id).toBeTruthy();
  });

  it('rejects a certificate that is not registered (AADSTS700027)', async () => {
    const other = createClientCertificate('stranger');
    const thumbprintSha256 = new X509Certificate(other.certificatePem).fingerprint256.replace(/:/g, '');
    await expect(
      cca({
        clientCertificate: { thumbprintSha256, privateKey: other.privateKeyPem },
      }).acquireTokenByClientCredential({ scopes: scopes() }),
    ).rejects.toThrow(/AADSTS700027/);
  });

  it('rejects the wrong scope, an unknown client, an unknown tenant and an unknown grant', async () => {
    const t = sim.tenants[0]!;
    const post = (tenant: string, form: Record<string, string>) =>
      http.call('POST', `/${tenant}/oauth2/v2.0/token`, { body: new URLSearchParams(form).toString() });
    const base = { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret };
    const noDefault = await post(t.tenantId, { ...base, scope: `${sim.apiRoot}/ActivityFeed.Read` });
    expect(noDefault.status).toBe(400);
    expect(noDefault.json.error).toBe('invalid_scope');
    const otherResource = await post(t.tenantId, { ...base, scope: 'https://manage.office.com/.default' });
    expect(otherResource.json).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
    const unknownClient = await post(t.tenantId, {
      ...base,
      client_id: '00000000-0000-0000-0000-000000000001',
      scope: `${sim.apiRoot}/.default`,
    });
    expect(unknownClient.json).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    const unknownTenant = await post('00000000-0000-0000-0000-000000000002', {
      ...base,
      scope: `${sim.apiRoot}/.default`,
    });
    expect(unknownTenant.json.error_codes).toEqual([90002]);
    const badGrant = await post(t.tenantId, {
      ...base,
      grant_type: 'password',
      scope: `${sim.apiRoot}/.default`,
    });
    expect(badGrant.json.error).toBe('unsupported_grant_type');
    const noCredential = await post(t.tenantId, {
      grant_type: 'client_credentials',
      client_id: t.clientId,
      scope: `${sim.apiRoot}/.default`,
    });
    expect(noCredential.json.error_codes).toEqual([7000218]);
    // The second tenant's client cannot get a token from the first tenant.
    const crossTenant = await post(t.tenantId, {
      grant_type: 'client_credentials',
      client_id: sim.tenants[1]!.clientId,
      client_secret: sim.tenants[1]!.clientSecret,
      scope: `${sim.apiRoot}/.default`,
    });
    expect(crossTenant.json.error).toBe('unauthorized_client');
  });

  it('exchanges a refresh token for a delegated token (scp) and rejects unknown refresh tokens', async () => {
    const t = sim.tenants[1]!;
    const rt = sim.issueRefreshToken(t.tenantId);
    const res = await http.call('POST', `/${t.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: t.clientId,
        refresh_token: rt,
        scope: `${sim.apiRoot}/.default`,
      }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.json.refresh_token).toBeTruthy();
    const claims = claimsOf(res.json.access_token);
    expect(claims.tid).toBe(t.tenantId);
    expect(claims.scp).toBe('ActivityFeed.Read ActivityFeed.ReadDlp');
    // msal adds the OpenID scopes to refresh-token requests; Entra accepts them alongside the API's.
    const withOidc = await http.call('POST', `/${t.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: t.clientId,
        refresh_token: rt,
        scope: `${sim.apiRoot}/.default openid profile offline_access`,
      }).toString(),
    });
    expect(withOidc.status).toBe(200);
    const bad = await http.call('POST', `/${t.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: t.clientId,
        refresh_token: 'bogus',
        scope: `${sim.apiRoot}/.default`,
      }).toString(),
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_grant');
  });

  it('serves the v1 token endpoint with a resource, and instance discovery', async () => {
    const t = sim.tenants[0]!;
    const res = await http.call('POST', `/${t.tenantId}/oauth2/token`, {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: t.clientId,
        client_secret: t.clientSecret,
        resource: sim.apiRoot,
      }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, resource: sim.apiRoot });
    const disc = await http.call(
      'GET',
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${sim.loginAuthority}/${t.tenantId}/oauth2/v2.0/authorize`)}`,
    );
    expect(disc.status).toBe(200);
    expect(disc.json.metadata[0].aliases).toEqual([new URL(sim.loginAuthority).host]);
    const keys = await http.call('GET', `/${t.tenantId}/discovery/v2.0/keys`);
    expect(keys.json.keys[0].kty).toBe('RSA');
  });
});
