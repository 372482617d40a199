/**
 * The one HTTP stack of the process: undici `fetch` over our own dispatchers, used by the
 * Management API client and (through `msal-network.ts`) by MSAL for token and discovery calls,
 * so proxy, TLS and timeout settings apply to both. MSAL 5+ dropped `proxyUrl`, and Node 22's
 * built-in fetch ignores `HTTPS_PROXY`, hence this module.
 */
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, fetch, type Dispatcher, type Response } from 'undici';
import { silentLogger, type Logger } from '../logger.js';
import { bypassesProxy } from './no-proxy.js';

export interface HttpTimeouts {
  /** TCP + TLS handshake (and the CONNECT tunnel through a proxy). */
  connectMs: number;
  /** From request sent to response headers received. */
  headersMs: number;
  /** Longest pause between two body chunks; a stalled blob download fails instead of hanging. */
  bodyIdleMs: number;
  /** How long an idle pooled connection is kept for reuse. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<HttpTimeouts> = {
  connectMs: 10_000,
  headersMs: 60_000,
  bodyIdleMs: 60_000,
  keepAliveMs: 30_000,
};

export interface HttpClientOptions {
  /** `O365_VERIFY_TLS`; `false` disables certificate verification (logged as a warning). */
  verifyTls?: boolean;
  /** `HTTPS_PROXY`, e.g. `http://user:password@proxy:3128`. */
  httpsProxy?: string;
  /** `NO_PROXY` entries (see `no-proxy.ts`). */
  noProxy?: readonly string[];
  /** Extra trusted CA (PEM), added to Node's bundled roots — the simulator's throwaway CA. */
  extraCaPem?: string;
  timeouts?: Partial<HttpTimeouts>;
  logger?: Logger;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpClient {
  /**
   * One request. Redirects are never followed (`redirect: 'manual'`): a 3xx must not carry the
   * bearer token anywhere, so it surfaces as a response for the caller to classify.
   */
  request(url: string | URL, init?: HttpRequest): Promise<Response>;
  /** Whether a request to `url` would go through the proxy. */
  usesProxy(url: string | URL): boolean;
  close(): Promise<void>;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const logger = options.logger ?? silentLogger;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const verifyTls = options.verifyTls ?? true;
  const noProxy = options.noProxy ?? [];

  if (!verifyTls) {
    logger.warn('http.tls_verification_disabled', {
      setting: 'O365_VERIFY_TLS',
      hint: 'certificates are not checked; trust a private CA instead of disabling verification',
    });
  }

  // `ca` replaces Node's roots, so the extra CA is appended to them rather than passed alone.
  const tls = {
    rejectUnauthorized: verifyTls,
    ...(options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {}),
  };
  const pool = {
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyIdleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    keepAliveMaxTimeout: Math.max(timeouts.keepAliveMs, 60_000),
  };

  const direct = new Agent({ ...pool, connect: { ...tls, timeout: timeouts.connectMs } });
  const proxy = options.httpsProxy ? createProxyAgent(options.httpsProxy, tls, pool, timeouts) : undefined;
  if (proxy) {
    logger.info('http.proxy_configured', { proxy: describeProxy(options.httpsProxy!), noProxy });
  }

  const dispatcherFor = (url: URL): Dispatcher => (proxy && !bypassesProxy(url, noProxy) ? proxy : direct);

  return {
    async request(url, init = {}) {
      const target = typeof url === 'string' ? new URL(url) : url;
      return fetch(target, {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body,
        signal: init.signal,
        redirect: 'manual',
        dispatcher: dispatcherFor(target),
      });
    },
    usesProxy(url) {
      return dispatcherFor(typeof url === 'string' ? new URL(url) : url) !== direct;
    },
    async close() {
      await Promise.all([direct.close(), proxy?.close()]);
    },
  };
}

function createProxyAgent(
  proxyUrl: string,
  tls: { rejectUnauthorized: boolean; ca?: string[] },
  pool: object,
  timeouts: HttpTimeouts,
): ProxyAgent {
  const url = new URL(proxyUrl);
  // Credentials travel in Proxy-Authorization, never in the CONNECT target. undici only builds the
  // header when both user and password are present; a user-only URL is valid Basic auth too.
  const token =
    url.username !== ''
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  const bare = new URL(url.origin);
  return new ProxyAgent({
    uri: bare.href,
    ...(token ? { token } : {}),
    ...pool,
    // TLS to the API/login host inside the tunnel, and to the proxy itself when it is https.
    requestTls: { ...tls, timeout: timeouts.connectMs },
    proxyTls: { ...tls, timeout: timeouts.connectMs },
  });
}

/** The proxy URL without its credentials, for logs. */
export function describeProxy(proxyUrl: string): string {
  const url = new URL(proxyUrl);
  return url.username ? `${url.protocol}//***@${url.host}` : url.origin;
}
