import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenUrlError } from '../../../shared/errors.js';
import {
  apiEntries,
  recordingListener,
  selfSignedLocalhost,
  simConfig,
  simulator,
  stack,
  tokenEntries,
  type Sim,
} from './harness.js';

let sim: Sim;
const tls = selfSignedLocalhost();
beforeAll(async () => {
  sim = await simulator({ pageSize: 2 });
});
afterAll(async () => {
  await sim?.close();
});

const HOUR = 3600_000;
const window = () => {
  const end = new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR);
  return { start: new Date(end.getTime() - 6 * HOUR), end };
};

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A front that forwards to the simulator and rewrites the NextPageUri header — the shape of a
 * compromised or buggy upstream handing out a page link to somewhere else.
 */
async function forgingFront(rewrite: (nextPageUri: string) => string) {
  const upstream = new Agent({ connect: { ca: sim.caPem } });
  let requests = 0;
  const server = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const h of ['authorization', 'content-type', 'accept']) {
        const v = req.headers[h];
        if (typeof v === 'string') headers[h] = v;
      }
      fetch(`${sim.apiRoot}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        dispatcher: upstream,
      })
        .then(async (r) => {
          const out: Record<string, string> = {
            'content-type': r.headers.get('content-type') ?? 'application/json',
          };
          const next = r.headers.get('nextpageuri');
          if (next) out.NextPageUri = rewrite(next);
          res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    get requests() {
      return requests;
    },
    close: async () => {
      await closeServer(server);
      await upstream.close();
    },
  };
}

describe('the bearer token only goes to the API root under this tenant', () => {
  it('a forged contentUri to another host:port never reaches it', async () => {
    const other = await recordingListener(tls);
    const s = stack(sim, simConfig(sim), { http: { extraCaPem: `${sim.caPem}\n${tls.certPem}` } });
    try {
      const tenant = sim.tenants[0]!.tenantId;
      const before = sim.requestLog.length;
      for (const forged of [
        `${other.origin}/api/v1.0/${tenant}/activity/feed/audit/x$y$audit_exchange$Audit_Exchange$na0014`,
        `${sim.apiRoot}/api/v1.0/${tenant}/activity/feed/audit/%2e%2e/%2e%2e/x`,
        `https://evil@${sim.apiRoot.slice('https://'.length)}/api/v1.0/${tenant}/activity/feed/audit/x`,
      ]) {
        await expect(s.api.fetchContent(forged)).rejects.toBeInstanceOf(ForbiddenUrlError);
      }
      expect(other.seen).toEqual([]);
      expect(other.connections).toBe(0);
      expect(sim.requestLog.length).toBe(before); // not even a token request
    } finally {
      await s.close();
      await other.close();
    }
  });

  it('a forged NextPageUri to another host is refused before any request to it', async () => {
    const other = await recordingListener(tls);
    const front = await forgingFront((next) => {
      const u = new URL(next);
      return `${other.origin}${u.pathname}${u.search}`;
    });
    const config = { ...simConfig(sim, { O365_API_ROOT: front.origin }), scope: `${sim.apiRoot}/.default` };
    const s = stack(sim, config, { http: { extraCaPem: `${sim.caPem}\n${tls.certPem}` } });
    try {
      const err = await s.api.listContent('Audit.SharePoint', window()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ForbiddenUrlError);
      expect((err as ForbiddenUrlError).message).toMatch(/^NextPageUri refused/);
      expect(front.requests).toBe(1);
      expect(other.seen).toEqual([]);
      expect(other.connections).toBe(0);
    } finally {
      await s.close();
      await front.close();
      await other.close();
    }
  });

  it('a NextPageUri naming another tenant on the same origin is refused too', async () => {
    const front = await forgingFront((next) =>
      next.replace(sim.tenants[0]!.tenantId, '0badc0de-0000-4000-8000-000000000000'),
    );
    const config = { ...simConfig(sim, { O365_API_ROOT: front.origin }), scope: `${sim.apiRoot}/.default` };
    const s = stack(sim, config, { http: { extraCaPem: `${sim.caPem}\n${tls.certPem}` } });
    try {
      await expect(s.api.listContent('Audit.SharePoint', window())).rejects.toBeInstanceOf(ForbiddenUrlError);
      expect(front.requests).toBe(1);
    } finally {
      await s.close();
      await front.close();
    }
  });
});

/** A CONNECT proxy (node:http 'connect') requiring Basic credentials; records every tunnel. */
async function connectProxy(user: string, password: string) {
  const tunnels: Array<{ target: string; auth?: string }> = [];
  const sockets = new Set<Socket>();
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const auth = req.headers['proxy-authorization'];
    tunnels.push({ target: req.url ?? '', auth });
    sockets.add(client);
    client.on('error', () => undefined);
    if (auth !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    const [host = '', port = '443'] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

describe('HTTPS_PROXY / NO_PROXY', () => {
  it('sends login and API traffic through the CONNECT proxy with its credentials', async () => {
    const proxy = await connectProxy('proxy-user', 'p@ss:word');
    const config = simConfig(sim, {
      HTTPS_PROXY: `http://proxy-user:${encodeURIComponent('p@ss:word')}@127.0.0.1:${proxy.port}`,
    });
    const s = stack(sim, config);
    try {
      const tokensBefore = tokenEntries(sim).length;
      const apiBefore = apiEntries(sim).length;
      const subs = await s.api.listSubscriptions();
      expect(subs.length).toBeGreaterThan(0);
      expect(tokenEntries(sim).length - tokensBefore).toBe(1);
      expect(apiEntries(sim).length - apiBefore).toBe(1);
      expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
      const expectedAuth = `Basic ${Buffer.from('proxy-user:p@ss:word').toString('base64')}`;
      expect(
        proxy.tunnels.every((t) => t.target === `127.0.0.1:${sim.port}` && t.auth === expectedAuth),
      ).toBe(true);
      expect(s.logger.lines.join('\n')).not.toContain('p%40ss');
    } finally {
      await s.close();
      await proxy.close();
    }
  });

  it('wrong proxy credentials fail the call instead of bypassing the proxy', async () => {
    const proxy = await connectProxy('proxy-user', 'right');
    const config = simConfig(sim, { HTTPS_PROXY: `http://proxy-user:wrong@127.0.0.1:${proxy.port}` });
    const s = stack(sim, config, { retry: { maxAttempts: 2 } });
    try {
      const apiBefore = apiEntries(sim).length;
      const tokensBefore = tokenEntries(sim).length;
      await expect(s.api.listSubscriptions()).rejects.toThrow();
      expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
      expect(apiEntries(sim).length).toBe(apiBefore);
      expect(tokenEntries(sim).length).toBe(tokensBefore);
    } finally {
      await s.close();
      await proxy.close();
    }
  });

  it('NO_PROXY hosts go direct', async () => {
    const proxy = await connectProxy('u', 'p');
    const config = simConfig(sim, {
      HTTPS_PROXY: `http://u:p@127.0.0.1:${proxy.port}`,
      NO_PROXY: 'example.com,127.0.0.1',
    });
    const s = stack(sim, config);
    try {
      expect((await s.api.listSubscriptions()).length).toBeGreaterThan(0);
      expect(proxy.tunnels).toEqual([]);
    } finally {
      await s.close();
      await proxy.close();
    }
  });
});
