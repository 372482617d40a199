/** Plain HTTPS calls to the simulator with its CA (undici), and token helpers. */
import { Agent, fetch } from 'undici';
import type { RunningSimulator } from '../../../tools/simulator/index.js';

/** Loosely typed JSON, for tests that poke at API answers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
export type Json = any;

export interface Called {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

export function client(sim: RunningSimulator) {
  const dispatcher = new Agent({ connect: { ca: sim.caPem } });
  async function call(
    method: string,
    url: string,
    opts: { token?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Called> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(url.startsWith('http') ? url : `${sim.apiRoot}${url}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      dispatcher,
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers as unknown as Headers, text, json };
  }
  async function token(tenantIndex = 0, form: Record<string, string> = {}): Promise<string> {
    const t = sim.tenants[tenantIndex]!;
    const res = await call('POST', `/${t.tenantId}/oauth2/v2.0/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: t.clientId,
        client_secret: t.clientSecret,
        scope: `${sim.apiRoot}/.default`,
        ...form,
      }).toString(),
    });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
    return res.json.access_token as string;
  }
  return { call, token, close: () => dispatcher.close() };
}

export function feedPath(
  tenantId: string,
  op: string,
  query: Record<string, string> = {},
  publisher: string | null = tenantId,
): string {
  const q = new URLSearchParams(query);
  if (publisher) q.set('PublisherIdentifier', publisher);
  const s = q.toString();
  return `/api/v1.0/${tenantId}/activity/feed/${op}${s ? `?${s}` : ''}`;
}

/** `YYYY-MM-DDTHH:MM:SS` — the documented format. */
export function apiTime(t: Date | number): string {
  return new Date(t).toISOString().slice(0, 19);
}
