/**
 * `ManagementApi` over HTTPS (`client.ts` is the public entry). Operations are thin: build the
 * URL, send through the requester (guard, budget, token, retries), validate the body with zod,
 * shape the result.
 */
import type { Response } from 'undici';
import type { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { ContentType } from '../content-types.js';
import { InvalidInputError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { silentLogger, type Logger } from '../logger.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { ApiError, type Operation } from './af-errors.js';
import type { RequestBudget } from './budget.js';
import { blobStream, contentLengthOf } from './content-stream.js';
import { nextPageUri } from './headers.js';
import { createRequester, DEFAULT_RETRY, type ApiCall, type RetryPolicy } from './request.js';
import {
  contentListSchema,
  dlpSensitiveTypesSchema,
  notificationListSchema,
  subscriptionListSchema,
  subscriptionSchema,
} from './schemas.js';
import type {
  ContentBody,
  ContentItem,
  ListContentResult,
  ManagementApi,
  SubscriptionInfo,
  TimeWindow,
  Webhook,
} from './types.js';
import { createUrlGuard } from './url-guard.js';
import { feedUrl, formatApiTime } from './urls.js';

export interface ManagementApiOptions {
  config: Pick<Config, 'tenantId' | 'apiRoot' | 'publisherId'>;
  http: HttpClient;
  tokens: TokenProvider;
  budget: RequestBudget;
  clock?: Clock;
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  /** Uniform [0, 1) for back-off jitter. */
  random?: () => number;
  /** Safety stop for a listing whose NextPageUri never ends. */
  maxPages?: number;
}

const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;

export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const { config } = options;
  const tenantId = config.tenantId.toLowerCase();
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ tenantId });
  const maxPages = options.maxPages ?? 10_000;
  const requester = createRequester({
    tenantId,
    publisherId: config.publisherId,
    guard: createUrlGuard(config.apiRoot, tenantId),
    http: options.http,
    tokens: options.tokens,
    budget: options.budget,
    clock,
    logger,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    random: options.random ?? Math.random,
  });
  const url = (operation: string, query?: Record<string, string>) =>
    feedUrl(config.apiRoot, tenantId, operation, query);

  async function json<S extends z.ZodType>(
    call: ApiCall,
    schema: S,
  ): Promise<{ data: z.output<S>; response: Response }> {
    const response = await requester.send(call);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? undefined : JSON.parse(text);
    } catch (err) {
      throw invalidBody(call.operation, 'is not JSON', err, call.contentType);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const first = result.error.issues[0];
      throw invalidBody(
        call.operation,
        `${first?.path.join('.') || 'body'} ${first?.message ?? 'is invalid'}`,
        result.error,
        call.contentType,
      );
    }
    return { data: result.data, response };
  }

  function invalidBody(
    operation: Operation,
    problem: string,
    cause: unknown,
    contentType?: string,
  ): ApiError {
    // A 2xx with a body we cannot read is most likely cut or garbled in transit: retryable.
    return new ApiError(`${operation} answered 2xx with a body that ${problem}`, {
      category: 'retry',
      operation,
      tenantId,
      contentType,
      cause,
    });
  }

  /**
   * GET a listing and every NextPageUri after it; pages are fetched strictly one after another. A
   * page token the service no longer accepts (AF20031, after the usual retries) restarts the
   * listing from its first page, once: the window is listed whole or the call fails.
   */
  async function paginate<T>(
    operation: 'content' | 'notifications',
    first: string,
    contentType: ContentType,
    schema: z.ZodType<T[]>,
    signal?: AbortSignal,
  ): Promise<{ items: T[]; pages: number }> {
    try {
      return await paginateOnce(operation, first, contentType, schema, signal);
    } catch (err) {
      if (!(err instanceof ApiError) || err.afCode !== 'AF20031') throw err;
      logger.warn('api.next_page_stale', { operation, contentType, afCode: err.afCode });
      return paginateOnce(operation, first, contentType, schema, signal);
    }
  }

  async function paginateOnce<T>(
    operation: 'content' | 'notifications',
    first: string,
    contentType: ContentType,
    schema: z.ZodType<T[]>,
    signal?: AbortSignal,
  ): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    const seen = new Set<string>();
    let next: string | undefined = first;
    let pages = 0;
    let urlKind: ApiCall['urlKind'] = 'request';
    while (next !== undefined) {
      if (seen.has(next) || pages >= maxPages) {
        throw new ApiError(`${operation} pagination does not end (page ${pages + 1}: ${next})`, {
          category: 'retry',
          operation,
          tenantId,
          contentType,
        });
      }
      seen.add(next);
      const { data, response } = await json({ operation, url: next, urlKind, contentType, signal }, schema);
      items.push(...data);
      pages += 1;
      next = nextPageUri(response.headers);
      urlKind = 'NextPageUri';
    }
    return { items, pages };
  }

  function windowQuery(contentType: ContentType, window: TimeWindow): Record<string, string> {
    const span = window.end.getTime() - window.start.getTime();
    if (!(span > 0) || span > MAX_WINDOW_MS) {
      throw new InvalidInputError(
        `window ${window.start.toISOString()}–${window.end.toISOString()} must be positive and at most 24 hours`,
        { tenantId, contentType },
      );
    }
    return { contentType, startTime: formatApiTime(window.start), endTime: formatApiTime(window.end) };
  }

  return {
    tenantId,

    async startSubscription(contentType, webhook?: Webhook) {
      const call: ApiCall = {
        operation: 'start',
        method: 'POST',
        url: url('subscriptions/start', { contentType }),
        urlKind: 'request',
        contentType,
        headers: { 'Content-Type': 'application/json' },
        body: webhook ? JSON.stringify({ webhook }) : '',
      };
      try {
        const { data } = await json(call, subscriptionSchema);
        logger.info('api.subscription_started', { contentType, status: data.status });
        return data;
      } catch (err) {
        // Undocumented but consistent: re-starting an enabled subscription is HTTP 400 AF20024.
        if (err instanceof ApiError && err.afCode === 'AF20024') {
          logger.info('api.subscription_already_enabled', { contentType });
          return { contentType, status: 'enabled', webhook: webhook ?? null };
        }
        throw err;
      }
    },

    async stopSubscription(contentType) {
      const response = await requester.send({
        operation: 'stop',
        method: 'POST',
        url: url('subscriptions/stop', { contentType }),
        urlKind: 'request',
        contentType,
        body: '',
      });
      await response.text();
      logger.info('api.subscription_stopped', { contentType });
    },

    async listSubscriptions(): Promise<SubscriptionInfo[]> {
      const { data } = await json(
        { operation: 'list', url: url('subscriptions/list'), urlKind: 'request' },
        subscriptionListSchema,
      );
      return data;
    },

    async listContent(contentType, window, signal): Promise<ListContentResult> {
      const first = url('subscriptions/content', windowQuery(contentType, window));
      const { items, pages } = await paginate('content', first, contentType, contentListSchema, signal);
      const unique = new Map<string, ContentItem>();
      for (const item of items) if (!unique.has(item.contentId)) unique.set(item.contentId, item);
      const sorted = [...unique.values()].sort(
        (a, b) =>
          Date.parse(a.contentCreated) - Date.parse(b.contentCreated) ||
          (a.contentId < b.contentId ? -1 : a.contentId > b.contentId ? 1 : 0),
      );
      logger.debug('api.content_listed', {
        contentType,
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        pages,
        items: sorted.length,
        duplicates: items.length - sorted.length,
      });
      return { items: sorted, pages };
    },

    async fetchContent(contentUri, signal): Promise<ContentBody> {
      const contentId = contentIdOf(contentUri);
      const response = await requester.send({
        operation: 'blob',
        url: contentUri,
        urlKind: 'contentUri',
        contentId,
        signal,
      });
      const contentLength = contentLengthOf(response);
      return {
        stream: blobStream(response, { tenantId, contentId }),
        ...(contentLength !== undefined ? { contentLength } : {}),
      };
    },

    async listNotifications(contentType, window) {
      const first = url('subscriptions/notifications', windowQuery(contentType, window));
      const { items } = await paginate('notifications', first, contentType, notificationListSchema);
      return items;
    },

    async dlpSensitiveTypes() {
      const { data } = await json(
        {
          operation: 'dlpSensitiveTypes',
          url: url('resources/dlpSensitiveTypes'),
          urlKind: 'request',
          headers: { 'Accept-Language': 'en-US' },
        },
        dlpSensitiveTypesSchema,
      );
      return data;
    },
  };
}

/** The last path segment of a contentUri, for error facts (the guard has not run yet here). */
function contentIdOf(contentUri: string): string | undefined {
  const path = /^[^?#]*/.exec(contentUri)?.[0] ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last === '' ? undefined : last;
}
