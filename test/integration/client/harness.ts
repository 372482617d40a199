/**
 * Shared set-up for the client's integration tests: a running simulator, a Config pointing at it,
 * and the real stack (undici + msal-node) trusting the simulator's CA through `extraCaPem`.
 */
import { createHash, createPrivateKey, createSign, randomUUID, X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { createRequestBudget, type BudgetOptions } from '../../../shared/api/budget.js';
import { createManagementApi } from '../../../shared/api/client.js';
import type { RetryPolicy } from '../../../shared/api/request.js';
import type { AssertionSource } from '../../../shared/auth/federated.js';
import { createTokenProvider } from '../../../shared/auth/token-provider.js';
import { loadConfig, type Config } from '../../../shared/config.js';
import { createHttpClient, type HttpClientOptions } from '../../../shared/http/http-client.js';
import { memoryLogger } from '../../../shared/logger.js';
import {
  startSimulator,
  type RunningSimulator,
  type StartSimulatorOptions,
} from '../../../tools/simulator/index.js';

export type Sim = RunningSimulator;

export async function simulator(options: StartSimulatorOptions = {}): Promise<Sim> {
  return startSimulator({ seed: 7, hours: 24, eventsPerHour: 30, ...options });
}

export function simConfig(sim: Sim, env: Record<string, string> = {}, tenantIndex = 0): Config {
  const t = sim.tenants[tenantIndex]!;
  const base: Record<string, string> = {
    O365_TENANT_ID: t.tenantId,
    O365_CLIENT_ID: t.clientId,
    O365_API_ROOT: sim.apiRoot,
    O365_LOGIN_AUTHORITY: sim.loginAuthority,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  };
  const otherCredential = [
    'O365_CERTIFICATE_PEM',
    'O365_CERTIFICATE_PATH',
    'O365_FEDERATED_IDENTITY_CLIENT_ID',
  ];
  if (!otherCredential.some((k) => k in env)) {
    base.O365_CLIENT_SECRET = t.clientSecret;
  }
  return loadConfig({ ...base, ...env });
}

export interface StackOptions {
  http?: Partial<HttpClientOptions>;
  budget?: Partial<BudgetOptions>;
  retry?: Partial<RetryPolicy>;
  assertionSource?: AssertionSource;
}

/** The real client stack with its own budget (so tests do not share the process-wide one). */
export function stack(sim: Sim, config: Config, options: StackOptions = {}) {
  const logger = memoryLogger();
  const http = createHttpClient({
    verifyTls: config.verifyTls,
    httpsProxy: config.httpsProxy,
    noProxy: config.noProxy,
    extraCaPem: sim.caPem,
    logger,
    ...options.http,
  });
  const tokens = createTokenProvider({ config, http, logger, assertionSource: options.assertionSource });
  const budget = createRequestBudget({ maxRequestsPerMinute: 6000, logger, ...options.budget });
  const api = createManagementApi({
    config,
    http,
    tokens,
    budget,
    logger,
    retry: { baseDelayMs: 20, maxDelayMs: 200, ...options.retry },
  });
  return { api, http, tokens, budget, logger, close: () => http.close() };
}

export const apiEntries = (sim: Sim) =>
  sim.requestLog.filter((e) => e.kind !== 'token' && e.kind !== 'discovery');
export const tokenEntries = (sim: Sim) => sim.requestLog.filter((e) => e.kind === 'token');

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An assertion source as a workload identity would supply: a JWT for the token endpoint signed
 * with the app's registered certificate (RS256, `x5t#S256` header). Counts its calls.
 */
export function signedAssertionSource(sim: Sim, tenantIndex = 0): AssertionSource & { calls: number } {
  const t = sim.tenants[tenantIndex]!;
  const key = createPrivateKey(t.privateKeyPem);
  const thumb = createHash('sha256').update(new X509Certificate(t.certificatePem).raw).digest('base64url');
  const source = Object.assign(
    () => {
      source.calls += 1;
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', 'x5t#S256': thumb };
      const payload = {
        aud: `${sim.loginAuthority}/${t.tenantId}/oauth2/v2.0/token`,
        iss: t.clientId,
        sub: t.clientId,
        jti: randomUUID(),
        nbf: now - 5,
        exp: now + 600,
      };
      const input = `${b64(header)}.${b64(payload)}`;
      const sig = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
      return Promise.resolve(`${input}.${sig}`);
    },
    { calls: 0 },
  );
  return source;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A self-signed certificate for 127.0.0.1, for listeners the client must NOT trust by accident. */
export function selfSignedLocalhost(): { keyPem: string; certPem: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '0a';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: '127.0.0.1' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { keyPem: forge.pki.privateKeyToPem(keys.privateKey), certPem: forge.pki.certificateToPem(cert) };
}

export interface SeenRequest {
  method: string;
  url: string;
  authorization?: string;
}

/** An HTTPS listener on port 0 that records every request it receives (the "other host"). */
export async function recordingListener(tls: { keyPem: string; certPem: string }): Promise<{
  origin: string;
  seen: SeenRequest[];
  connections: number;
  close(): Promise<void>;
}> {
  const seen: SeenRequest[] = [];
  const server: HttpsServer = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
  });
  const state = { connections: 0 };
  server.on('connection', () => (state.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    seen,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
