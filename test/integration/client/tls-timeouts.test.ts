/**
 * The shared HTTP stack's TLS and timeout settings, against the simulator over HTTPS: its
 * throwaway CA is trusted only when given (`extraCaPem`), `O365_VERIFY_TLS=false` connects anyway
 * with a warning, and a stalled response fails within the configured timeouts instead of hanging.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../shared/http/http-client.js';
import { memoryLogger } from '../../../shared/logger.js';
import { simConfig, simulator, stack, type Sim } from './harness.js';

let sim: Sim;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(async () => {
  await sim?.close();
});

const discovery = () =>
  `${sim.loginAuthority}/${sim.tenants[0]!.tenantId}/v2.0/.well-known/openid-configuration`;

describe('TLS verification', () => {
  it('refuses the simulator certificate when its CA is not trusted', async () => {
    const http = createHttpClient({});
    try {
      const err = await http.request(discovery()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const cause = (err as Error & { cause?: { code?: string } }).cause;
      expect(cause?.code).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
    } finally {
      await http.close();
    }
  });

  it('trusts it through extraCaPem', async () => {
    const http = createHttpClient({ extraCaPem: sim.caPem });
    try {
      const response = await http.request(discovery());
      expect(response.status).toBe(200);
      await response.text();
    } finally {
      await http.close();
    }
  });

  it('O365_VERIFY_TLS=false connects without the CA and says so in a warning', async () => {
    const config = simConfig(sim, { O365_VERIFY_TLS: 'false' });
    expect(config.verifyTls).toBe(false);
    const logger = memoryLogger();
    const http = createHttpClient({ verifyTls: config.verifyTls, logger });
    try {
      const response = await http.request(discovery());
      expect(response.status).toBe(200);
      await response.text();
      const warnings = logger.records.filter((e) => e.event === 'http.tls_verification_disabled');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe('warn');
    } finally {
      await http.close();
    }
  });
});

describe('timeouts', () => {
  it('a response whose headers do not come in time fails retryable, then succeeds when the API recovers', async () => {
    const s = stack(sim, simConfig(sim), {
      http: { timeouts: { headersMs: 300 } },
      retry: { maxAttempts: 2 },
    });
    sim.setFaults({ slow: 1, slowMs: 1_500, kinds: ['list'] });
    try {
      const err = await s.api.listSubscriptions().catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: true, operation: 'list' });
      expect((err as Error).message).toMatch(
        /fetch failed: Headers Timeout Error \(UND_ERR_HEADERS_TIMEOUT\)/,
      );
      expect((err as Error).message).toMatch(/gave up after 2 attempts/);
      sim.setFaults({});
      expect(Array.isArray(await s.api.listSubscriptions())).toBe(true);
    } finally {
      sim.setFaults({});
      await s.close();
    }
  });

  it('a body that stalls longer than bodyIdleMs fails when read instead of hanging', async () => {
    // A server that sends the headers and part of a JSON array, then nothing (socket kept open).
    const sockets = new Set<Socket>();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('[{"Id":"a"},');
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = createHttpClient({ timeouts: { bodyIdleMs: 300 } });
    try {
      const { port } = server.address() as AddressInfo;
      const response = await http.request(`http://127.0.0.1:${port}/stalled`);
      expect(response.status).toBe(200);
      const err = await response.text().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const cause = (err as Error & { cause?: { code?: string } }).cause;
      expect(`${(err as Error).message} ${cause?.code ?? ''}`).toMatch(/BODY_TIMEOUT|timeout/i);
    } finally {
      await http.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
