/**
 * One API call, start to end: URL guard (before anything leaves the process), PublisherIdentifier,
 * request budget, bearer token (refreshed once on 401), and retries for the 'retry' category and
 * network errors with bounded attempts. Throttling (AF429, whatever its HTTP status) slows the call
 * down instead of failing it: throttled answers do not count as attempts, they are retried for as
 * long as `maxThrottledMs` allows (the budget pauses the whole tenant meanwhile). Every other
 * category is thrown at once for the caller.
 */
import type { Response } from 'undici';
import type { Clock } from '../clock.js';
import { AuthError } from '../auth/errors.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { errorMessage } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import type { Logger } from '../logger.js';
import { ApiError, type Operation } from './af-errors.js';
import type { RequestBudget } from './budget.js';
import { apiErrorFromResponse } from './error-body.js';
import type { GuardedUrlKind, UrlGuard } from './url-guard.js';
import { withPublisherIdentifier } from './urls.js';

export interface RetryPolicy {
  /** Attempts per call, the first included; throttled answers (AF429) are not counted. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * How long one call keeps retrying through throttling, from its first AF429, before it fails
   * with a retryable error (the queue or the next timer run tries again later).
   */
  maxThrottledMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxThrottledMs: 600_000,
};

export interface Requester {
  send(call: ApiCall): Promise<Response>;
}

export interface ApiCall {
  operation: Operation;
  url: string;
  /** Which rule the URL is checked under; `request` for URLs the client built itself. */
  urlKind: GuardedUrlKind;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  contentType?: string;
  contentId?: string;
  signal?: AbortSignal;
}

export interface RequesterDeps {
  tenantId: string;
  publisherId: string;
  guard: UrlGuard;
  http: HttpClient;
  tokens: TokenProvider;
  budget: RequestBudget;
  clock: Clock;
  logger: Logger;
  retry: RetryPolicy;
  random: () => number;
}

export function createRequester(deps: RequesterDeps): Requester {
  const { http, tokens, budget, clock, logger, retry } = deps;

  const backoff = (attempt: number, retryAfterMs?: number): number => {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, deps.retry.maxDelayMs * 4);
    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (deps.random() * ceiling) / 2);
  };

  return {
    async send(call) {
      // The guard runs before the budget, the token and the socket: a forged URL costs nothing.
      const target = withPublisherIdentifier(deps.guard.check(call.url, call.urlKind), deps.publisherId);
      const facts = { tenantId: deps.tenantId, contentType: call.contentType, contentId: call.contentId };
      let refreshedAfter401 = false;
      let throttledSince: number | undefined;
      let throttledTimes = 0;
      let last: ApiError | undefined;

      for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
        let response: Response;
        try {
          await budget.acquire(call.signal);
          const token = await tokens.getToken({ forceRefresh: false });
          response = await http.request(target, {
            method: call.method ?? 'GET',
            headers: { ...call.headers, Accept: 'application/json', Authorization: `Bearer ${token}` },
            body: call.body,
            signal: call.signal,
          });
        } catch (err) {
          if (call.signal?.aborted) throw err;
          if (err instanceof AuthError && !err.retryable) throw err;
          last = new ApiError(`${call.operation} failed: ${errorMessage(err)}`, {
            category: 'retry',
            operation: call.operation,
            cause: err,
            ...facts,
          });
          await pause(attempt, last);
          continue;
        }

        if (response.status >= 200 && response.status < 300) {
          budget.succeeded();
          return response;
        }
        const text = await response.text().catch(() => '');
        const error = apiErrorFromResponse(response, text, {
          operation: call.operation,
          now: clock.now(),
          ...facts,
        });

        if (response.status >= 300 && response.status < 400) {
          // Only the host is named: a Location can carry a SAS token or a key in its query.
          logger.error('api.redirect_refused', {
            operation: call.operation,
            httpStatus: response.status,
            locationHost: locationHost(response.headers.get('location')),
            attempt,
            advice: 'the API does not redirect; check proxies and O365_API_ROOT',
          });
        }
        // A 401 can be a token revoked or expired early: one fresh token, then it is real.
        if (response.status === 401 && !refreshedAfter401) {
          refreshedAfter401 = true;
          logger.warn('api.unauthorized_refreshing_token', { operation: call.operation });
          await tokens.getToken({ forceRefresh: true });
          attempt--; // the refresh is not a retry of a failing service
          continue;
        }
        if (error.clockSkewMs !== undefined && Math.abs(error.clockSkewMs) >= 60_000) {
          logger.warn('api.clock_skew', { clockSkewMs: error.clockSkewMs, afCode: error.afCode });
        }
        if (error.afCode === 'AF429' || response.status === 429) {
          // Throttling slows the tenant down (the budget pauses every caller); it is not a failure
          // of this call, so it does not use up an attempt — only the throttling allowance.
          const pauseMs = budget.throttled(error.retryAfterMs);
          const now = clock.now().getTime();
          throttledSince ??= now;
          throttledTimes += 1;
          if (now + pauseMs - throttledSince > retry.maxThrottledMs) {
            throw new ApiError(
              `${error.message} (still throttled after ${throttledTimes} answers over ${Math.round((now - throttledSince) / 1000)} s; the throttling allowance is ${Math.round(retry.maxThrottledMs / 1000)} s)`,
              {
                category: 'retry',
                operation: call.operation,
                afCode: error.afCode,
                httpStatus: error.httpStatus,
                apiMessage: error.apiMessage,
                retryAfterMs: error.retryAfterMs,
                cause: error,
                ...facts,
              },
            );
          }
          last = error;
          attempt--;
          continue;
        }
        if (error.category !== 'retry') throw error;
        last = error;
        await pause(attempt, error);
      }
      throw new ApiError(
        `${last?.message ?? `${call.operation} failed`} (gave up after ${retry.maxAttempts} attempts)`,
        {
          category: 'retry',
          operation: call.operation,
          afCode: last?.afCode,
          httpStatus: last?.httpStatus,
          apiMessage: last?.apiMessage,
          retryAfterMs: last?.retryAfterMs,
          cause: last,
          ...facts,
        },
      );

      /** Throttling waits in the budget (for every caller of the tenant); other errors back off here. */
      async function pause(attempt: number, error: ApiError): Promise<void> {
        if (attempt >= retry.maxAttempts) return;
        const ms = backoff(attempt, error.retryAfterMs);
        logger.info('api.retrying', {
          operation: call.operation,
          attempt,
          delayMs: ms,
          httpStatus: error.httpStatus,
          afCode: error.afCode,
          reason: error.httpStatus === undefined ? error.message : undefined,
        });
        if (ms > 0) await clock.sleep(ms, call.signal);
      }
    },
  };
}

function locationHost(location: string | null): string | undefined {
  if (!location) return undefined;
  try {
    return new URL(location).host;
  } catch {
    return '(not a URL)';
  }
}
