/**
 * MSAL's `system.networkClient` on top of our HTTP client, so token and discovery requests take
 * the same proxy, TLS and timeout settings as API calls.
 */
import { AuthError, ClientAuthErrorCodes, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { errorMessage } from '../errors.js';
import type { HttpClient } from './http-client.js';

export function msalNetworkModule(http: HttpClient): INetworkModule {
  const send = async <T>(
    url: string,
    method: 'GET' | 'POST',
    options?: { headers?: Record<string, string>; body?: string },
    timeoutMs?: number,
  ): Promise<NetworkResponse<T>> => {
    let response;
    let text: string;
    try {
      response = await http.request(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
      });
      text = await response.text();
    } catch (err) {
      // MSAL passes its own AuthError through; anything else would be flattened into a bare
      // "network_error" without the cause, so wrap it here with the reason kept.
      const wrapped = new AuthError(
        ClientAuthErrorCodes.networkError,
        `Network request failed: ${errorMessage(err)}`,
      );
      (wrapped as { cause?: unknown }).cause = err;
      throw wrapped;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    return { headers, body: parseBody<T>(text, response.status), status: response.status };
  };

  return {
    sendGetRequestAsync: (url, options, timeout) => send(url, 'GET', options, timeout),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}

/**
 * A login host answering with HTML or an empty body (gateway error, captive proxy) becomes an
 * OAuth-shaped error body, so MSAL reports the HTTP status instead of a JSON parse failure.
 */
function parseBody<T>(text: string, status: number): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    if (status >= 200 && status < 300) {
      throw new AuthError(
        ClientAuthErrorCodes.tokenParsingError,
        `HTTP ${status} with a body that is not JSON`,
      );
    }
    return {
      error: `http_${status}`,
      error_description: `HTTP ${status} with a body that is not JSON (${text.slice(0, 80).replace(/\s+/g, ' ')})`,
    } as T;
  }
}
