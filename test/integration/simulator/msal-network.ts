/**
 * A tiny msal-node network client over undici with the simulator's CA: Node's global fetch
 * ignores a custom CA unless NODE_EXTRA_CA_CERTS was set at process start.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, fetch } from 'undici';

export function caNetworkClient(caPem: string): INetworkModule & { close(): Promise<void> } {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const res = await fetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      dispatcher,
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { headers, body: (await res.json()) as T, status: res.status };
  }
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
    close: () => dispatcher.close(),
  };
}
