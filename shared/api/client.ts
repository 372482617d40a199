/**
 * The Management API client: `createManagementApi` from explicit parts, and the composition from a
 * validated `Config` — one HTTP stack, one MSAL application, one request budget per tenant —
 * built at module scope by the functions and once per command by the CLI.
 */
import type { AssertionSource } from '../auth/federated.js';
import { createTokenProvider, type TokenProvider } from '../auth/token-provider.js';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createHttpClient, type HttpClient, type HttpTimeouts } from '../http/http-client.js';
import { silentLogger, type Logger } from '../logger.js';
import { budgetForTenant, type RequestBudget } from './budget.js';
import { createManagementApi } from './management-api.js';
import type { RetryPolicy } from './request.js';
import type { ManagementApi } from './types.js';

export interface ApiFromConfigOptions {
  logger?: Logger;
  clock?: Clock;
  /** Trust this CA in addition to the bundled roots (the local runner's simulator). */
  extraCaPem?: string;
  /** Federated mode: assertion source instead of the managed identity. */
  assertionSource?: AssertionSource;
  /** An existing HTTP stack; by default one is built from the config and owned by the result. */
  http?: HttpClient;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryPolicy>;
}

export { createManagementApi } from './management-api.js';
export type { ManagementApiOptions } from './management-api.js';

export interface ApiStack {
  api: ManagementApi;
  http: HttpClient;
  tokens: TokenProvider;
  budget: RequestBudget;
  /** Closes the HTTP stack if this function built it. */
  close(): Promise<void>;
}

export function createApiStack(config: Config, options: ApiFromConfigOptions = {}): ApiStack {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const http =
    options.http ??
    createHttpClient({
      verifyTls: config.verifyTls,
      httpsProxy: config.httpsProxy,
      noProxy: config.noProxy,
      extraCaPem: options.extraCaPem,
      timeouts: options.timeouts,
      logger,
    });
  const tokens = createTokenProvider({ config, http, logger, assertionSource: options.assertionSource });
  const budget = budgetForTenant(config.tenantId, {
    maxRequestsPerMinute: config.maxRequestsPerMinute,
    clock,
    logger,
  });
  const api = createManagementApi({ config, http, tokens, budget, clock, logger, retry: options.retry });
  return {
    api,
    http,
    tokens,
    budget,
    close: async () => {
      if (!options.http) await http.close();
    },
  };
}

/** The client alone, for callers that never close the HTTP stack (it lives as long as the process). */
export function createManagementApiFromConfig(
  config: Config,
  options: ApiFromConfigOptions = {},
): ManagementApi {
  return createApiStack(config, options).api;
}
