/**
 * The one path by which content reaches the queue (enumerator, webhook, backfill alike):
 * skip what the ledger already knows, enqueue the rest, then write ledger rows.
 * Order matters: enqueue before the ledger row, so a crash in between re-lists and re-enqueues
 * (harmless: output is idempotent) instead of leaving a ledger row with no message.
 */
import type { ContentItem } from '../api/types.js';
import type { ContentType } from '../content-types.js';
import { forEachLimited } from '../storage/content-queue.js';
import type { ContentLedger, ContentMessage, ContentQueue } from '../storage/types.js';

export interface EnqueueDeps {
  ledger: ContentLedger;
  queue: ContentQueue;
  tenantId: string;
}

export interface EnqueueResult {
  listed: number;
  alreadyKnown: number;
  /** Listed, unknown, but past contentExpiration: recorded as expired, not enqueued. */
  expired: number;
  enqueued: number;
  /** New items left for the next run because of `limit`. */
  deferred: number;
}

export function toMessage(tenantId: string, item: ContentItem, listedAt: Date): ContentMessage {
  return {
    v: 1,
    tenantId,
    contentType: item.contentType,
    contentId: item.contentId,
    contentUri: item.contentUri,
    contentCreated: item.contentCreated,
    contentExpiration: item.contentExpiration,
    listedAt: listedAt.toISOString(),
  };
}

export async function enqueueNewContent(
  deps: EnqueueDeps,
  contentType: ContentType,
  items: readonly ContentItem[],
  now: Date,
  limit: number = Number.POSITIVE_INFINITY,
): Promise<EnqueueResult> {
  const unique = [...new Map(items.map((i) => [i.contentId, i])).values()];
  const known = await deps.ledger.known(deps.tenantId, contentType, unique);
  const unknown = unique.filter((i) => !known.has(i.contentId));
  const expired = unknown.filter((i) => Date.parse(i.contentExpiration) <= now.getTime());
  const fresh = unknown.filter((i) => Date.parse(i.contentExpiration) > now.getTime());
  const batch = fresh.slice(0, Math.max(0, limit));

  for (const item of expired) {
    await deps.ledger.recordOutcome({
      ...toMessage(deps.tenantId, item, now),
      state: 'expired',
      lastError: `listed at ${now.toISOString()} after its contentExpiration ${item.contentExpiration}; the API no longer serves it`,
      updatedAt: now.toISOString(),
    });
  }
  const messages = batch.map((i) => toMessage(deps.tenantId, i, now));
  await deps.queue.send(messages);
  await forEachLimited(messages, 16, async (m) => {
    await deps.ledger.recordEnqueued({ ...m, state: 'enqueued', updatedAt: now.toISOString() });
  });
  return {
    listed: unique.length,
    alreadyKnown: known.size,
    expired: expired.length,
    enqueued: batch.length,
    deferred: fresh.length - batch.length,
  };
}
