import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/af-errors.js';
import { AuthError } from '../../../shared/auth/errors.js';
import { createTokenProvider } from '../../../shared/auth/token-provider.js';
import { createHttpClient } from '../../../shared/http/http-client.js';
import {
  apiEntries,
  signedAssertionSource,
  simConfig,
  simulator,
  stack,
  tokenEntries,
  type Sim,
} from './harness.js';

let sim: Sim;
let dir: string;
beforeAll(async () => {
  sim = await simulator();
  dir = mkdtempSync(join(tmpdir(), 'o365-auth-'));
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One real call through msal-node and the API, then the decoded claims of the bearer token. */
async function listWith(
  config: ReturnType<typeof simConfig>,
  assertionSource?: ReturnType<typeof signedAssertionSource>,
) {
  const s = stack(sim, config, { assertionSource });
  try {
    const subs = await s.api.listSubscriptions();
    const token = await s.tokens.getToken();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    return { subs, claims, lines: s.logger.lines, token };
  } finally {
    await s.close();
  }
}

describe('credentials against the simulator with real msal-node', () => {
  it('client secret', async () => {
    const config = simConfig(sim);
    const { subs, claims, lines, token } = await listWith(config);
    expect(subs.map((s) => s.contentType).sort()).toContain('Audit.General');
    expect(claims.tid).toBe(sim.tenants[0]!.tenantId);
    expect(claims.aud).toBe(sim.apiRoot);
    const log = lines.join('\n');
    expect(log).not.toContain(sim.tenants[0]!.clientSecret);
    expect(log).not.toContain(token);
  });

  const t = () => sim.tenants[0]!;
  const certCases: Array<[string, () => Record<string, string>]> = [
    [
      'PKCS#8 key (PEM setting)',
      () => ({ O365_CERTIFICATE_PEM: `${t().privateKeyPem}\n${t().certificatePem}` }),
    ],
    [
      'PKCS#1 key (file)',
      () => {
        const pkcs1 = createPrivateKey(t().privateKeyPem).export({ format: 'pem', type: 'pkcs1' }).toString();
        const path = join(dir, 'pkcs1.pem');
        writeFileSync(path, `${t().certificatePem}\n${pkcs1}`);
        return { O365_CERTIFICATE_PATH: path };
      },
    ],
    [
      'encrypted key + password',
      () => {
        const enc = createPrivateKey(t().privateKeyPem)
          .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'c3rt-pa55word' })
          .toString();
        return {
          O365_CERTIFICATE_PEM: `${enc}\n${t().certificatePem}`,
          O365_CERTIFICATE_PASSWORD: 'c3rt-pa55word',
        };
      },
    ],
  ];
  it.each(certCases)('certificate: %s', async (_label, env) => {
    const config = simConfig(sim, env());
    expect(config.auth.mode).toBe('certificate');
    const before = tokenEntries(sim).length;
    const { subs, claims, lines } = await listWith(config);
    expect(subs.length).toBeGreaterThan(0);
    expect(claims.appid).toBe(t().clientId);
    expect(
      tokenEntries(sim)
        .slice(before)
        .every((e) => e.status === 200),
    ).toBe(true);
    expect(lines.join('\n')).not.toContain('c3rt-pa55word');
  });

  it('federated: the injected assertion source supplies a signed client assertion', async () => {
    const config = simConfig(sim, {
      O365_FEDERATED_IDENTITY_CLIENT_ID: '12345678-1234-1234-1234-123456789abc',
    });
    expect(config.auth.mode).toBe('federated');
    const source = signedAssertionSource(sim);
    const { subs, claims } = await listWith(config, source);
    expect(subs.length).toBeGreaterThan(0);
    expect(claims.appid).toBe(t().clientId);
    expect(source.calls).toBeGreaterThanOrEqual(1);
  });

  it('refreshToken (delegated): exchanges the refresh token, then serves from the cache', async () => {
    const rt = sim.issueRefreshToken(t().tenantId);
    const config = simConfig(sim, { O365_REFRESH_TOKEN: rt });
    expect(config.auth.mode).toBe('refreshToken');
    const s = stack(sim, config);
    try {
      const before = tokenEntries(sim).length;
      await s.api.listSubscriptions();
      await s.api.listSubscriptions();
      expect(tokenEntries(sim).length - before).toBe(1);
      expect(s.logger.lines.join('\n')).not.toContain(rt);
    } finally {
      await s.close();
    }
  });

  it('a wrong secret is a non-retryable AuthError naming the Entra error', async () => {
    const config = simConfig(sim, { O365_CLIENT_SECRET: 'definitely-wrong-secret' });
    const s = stack(sim, config);
    try {
      const err = await s.api.listSubscriptions().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).retryable).toBe(false);
      expect((err as AuthError).message).toContain('AADSTS7000215');
      expect(s.logger.lines.join('\n')).not.toContain('definitely-wrong-secret');
    } finally {
      await s.close();
    }
  });
});

describe('token lifecycle', () => {
  it('creates the MSAL application once and serves later calls from its cache', async () => {
    const config = simConfig(sim);
    const http = createHttpClient({ extraCaPem: sim.caPem });
    try {
      const a = createTokenProvider({ config, http });
      const b = createTokenProvider({ config, http });
      expect(b).toBe(a);
      const before = tokenEntries(sim).length;
      const first = await a.getToken();
      const second = await b.getToken();
      expect(second).toBe(first);
      expect(tokenEntries(sim).length - before).toBe(1);
      const forced = await a.getToken({ forceRefresh: true });
      expect(forced).not.toBe(first);
      expect(tokenEntries(sim).length - before).toBe(2);
    } finally {
      await http.close();
    }
  });

  it('concurrent callers at cold start share one token request', async () => {
    const config = simConfig(sim, { O365_CLIENT_ID: sim.tenants[0]!.clientId });
    const http = createHttpClient({ extraCaPem: sim.caPem });
    try {
      const provider = createTokenProvider({ config, http });
      const before = tokenEntries(sim).length;
      const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(tokenEntries(sim).length - before).toBe(1);
    } finally {
      await http.close();
    }
  });

  it('a 401 refreshes the token once (skipCache) and the call succeeds', async () => {
    const config = simConfig(sim);
    const s = stack(sim, config);
    try {
      await s.api.listSubscriptions(); // token cached
      await new Promise((r) => setTimeout(r, 5));
      sim.setFaults({ revokeTokensIssuedBefore: new Date() });
      const tokensBefore = tokenEntries(sim).length;
      const apiBefore = apiEntries(sim).length;
      const subs = await s.api.listSubscriptions();
      expect(subs.length).toBeGreaterThan(0);
      expect(tokenEntries(sim).length - tokensBefore).toBe(1);
      expect(
        apiEntries(sim)
          .slice(apiBefore)
          .map((e) => e.status),
      ).toEqual([401, 200]);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a 401 that survives the refresh is fatal, after exactly one refresh', async () => {
    const config = simConfig(sim);
    const s = stack(sim, config);
    try {
      sim.setFaults({ revokeTokensIssuedBefore: new Date(Date.now() + 3600_000) });
      const tokensBefore = tokenEntries(sim).length;
      const apiBefore = apiEntries(sim).length;
      const err = await s.api.listSubscriptions().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).category).toBe('fatal');
      expect((err as ApiError).httpStatus).toBe(401);
      expect(
        apiEntries(sim)
          .slice(apiBefore)
          .map((e) => e.status),
      ).toEqual([401, 401]);
      expect(tokenEntries(sim).length - tokensBefore).toBeLessThanOrEqual(2); // first token + one refresh
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });
});
