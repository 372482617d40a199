/**
 * The Management Activity API as the rest of the pipeline sees it. Implemented by `client.ts`
 * over HTTPS (real MSAL tokens, request budget, retries that follow the AF error table).
 */
import type { Readable } from 'node:stream';
import type { ContentType } from '../content-types.js';

/** One item of `subscriptions/content` (and of webhook notifications). */
export interface ContentItem {
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  /** ISO-8601 UTC as the API sent it (e.g. `2026-11-20T10:05:00.000Z`). */
  contentCreated: string;
  contentExpiration: string;
}

export interface Webhook {
  address: string;
  authId?: string;
  expiration?: string | null;
  status?: string;
}

export interface SubscriptionInfo {
  contentType: string;
  status: string;
  webhook: Webhook | null;
}

export interface TimeWindow {
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface ListContentResult {
  /** Sorted by contentCreated, then contentId; duplicates across pages removed. */
  items: ContentItem[];
  pages: number;
}

export interface ContentBody {
  /** The raw JSON array, streamed (never buffered whole by the client). */
  stream: Readable;
  /** `Content-Length` when the server sent one. */
  contentLength?: number;
}

export interface ManagementApi {
  readonly tenantId: string;
  /** 200 and 400 AF20024 ("already enabled") both resolve. */
  startSubscription(contentType: ContentType, webhook?: Webhook): Promise<SubscriptionInfo>;
  stopSubscription(contentType: ContentType): Promise<void>;
  listSubscriptions(): Promise<SubscriptionInfo[]>;
  /** One window (≤ 24 h, not older than 7 days), following NextPageUri to the end. */
  listContent(contentType: ContentType, window: TimeWindow, signal?: AbortSignal): Promise<ListContentResult>;
  /** GET contentUri (validated against the API root before any request). */
  fetchContent(contentUri: string, signal?: AbortSignal): Promise<ContentBody>;
  listNotifications(contentType: ContentType, window: TimeWindow): Promise<unknown[]>;
  dlpSensitiveTypes(): Promise<Array<{ id: string; name: string }>>;
}
