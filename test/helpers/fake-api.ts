/**
 * An in-memory ManagementApi for enumerator tests that need exact control (races, crash points).
 * It enforces the API's window rules and subscription states the way the real API does, throwing
 * errors that carry the same `category` as the real client's ApiError.
 */
import { Readable } from 'node:stream';
import type {
  ContentItem,
  ListContentResult,
  ManagementApi,
  SubscriptionInfo,
  TimeWindow,
} from '../../shared/api/types.js';
import type { Clock } from '../../shared/clock.js';
import { CONTENT_TYPES, type ContentType } from '../../shared/content-types.js';
import { PipelineError } from '../../shared/errors.js';

const DAY = 86_400_000;

export class FakeApiError extends PipelineError {
  constructor(
    readonly category: string,
    afCode: string,
    message: string,
  ) {
    super(`${afCode}: ${message}`, { retryable: category === 'retry', afCode, httpStatus: 400 });
  }
}

export interface FakeItem extends ContentItem {
  listableAt: number;
}

export class FakeApi implements ManagementApi {
  readonly items: FakeItem[] = [];
  readonly subscriptions = new Map<ContentType, 'enabled' | 'disabled'>(
    CONTENT_TYPES.map((c) => [c, 'enabled']),
  );
  readonly calls: Array<{ op: string; contentType?: string; window?: TimeWindow }> = [];
  private seq = 0;

  constructor(
    readonly tenantId: string,
    private readonly clock: Clock,
  ) {}

  add(contentType: ContentType, created: Date, listableAt: Date = created): FakeItem {
    const id = `${created.toISOString().replace(/\D/g, '')}${String(this.seq++).padStart(6, '0')}$${contentType.toLowerCase()}`;
    const item: FakeItem = {
      contentType,
      contentId: id,
      contentUri: `https://manage.office.com/api/v1.0/${this.tenantId}/activity/feed/audit/${id}`,
      contentCreated: created.toISOString(),
      contentExpiration: new Date(created.getTime() + 7 * DAY).toISOString(),
      listableAt: listableAt.getTime(),
    };
    this.items.push(item);
    return item;
  }

  listContent(contentType: ContentType, window: TimeWindow): Promise<ListContentResult> {
    this.calls.push({ op: 'list', contentType, window });
    const now = this.clock.now().getTime();
    const state = this.subscriptions.get(contentType);
    if (state === undefined)
      return Promise.reject(
        new FakeApiError('resubscribe', 'AF20022', 'No subscription found for the specified content type.'),
      );
    if (state === 'disabled')
      return Promise.reject(
        new FakeApiError('resubscribe', 'AF20023', 'The subscription was disabled by a tenant admin.'),
      );
    const span = window.end.getTime() - window.start.getTime();
    if (span <= 0 || span > DAY || window.start.getTime() < now - 7 * DAY) {
      return Promise.reject(
        new FakeApiError('rewindow', 'AF20055', 'Start time and end time must both be specified ...'),
      );
    }
    const items = this.items
      .filter((i) => i.contentType === contentType && i.listableAt <= now)
      .filter(
        (i) =>
          Date.parse(i.contentCreated) >= window.start.getTime() &&
          Date.parse(i.contentCreated) < window.end.getTime(),
      )
      .map(({ listableAt: _l, ...rest }) => rest)
      .sort(
        (a, b) => a.contentCreated.localeCompare(b.contentCreated) || a.contentId.localeCompare(b.contentId),
      );
    return Promise.resolve({ items, pages: 1 });
  }

  startSubscription(contentType: ContentType): Promise<SubscriptionInfo> {
    this.calls.push({ op: 'start', contentType });
    this.subscriptions.set(contentType, 'enabled');
    return Promise.resolve({ contentType, status: 'enabled', webhook: null });
  }

  stopSubscription(contentType: ContentType): Promise<void> {
    this.subscriptions.set(contentType, 'disabled');
    return Promise.resolve();
  }

  listSubscriptions(): Promise<SubscriptionInfo[]> {
    return Promise.resolve(
      [...this.subscriptions].map(([contentType, status]) => ({ contentType, status, webhook: null })),
    );
  }

  fetchContent(): Promise<{ stream: Readable }> {
    return Promise.resolve({ stream: Readable.from(['[]']) });
  }

  listNotifications(): Promise<unknown[]> {
    return Promise.resolve([]);
  }

  dlpSensitiveTypes(): Promise<Array<{ id: string; name: string }>> {
    return Promise.resolve([]);
  }
}
