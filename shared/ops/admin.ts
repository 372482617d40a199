/**
 * Operator actions shared by the CLI and the admin HTTP functions: ping, subscriptions, content
 * listing, poison replay. Messages are the ones operators of the original integration know.
 */
import type { ContentItem, SubscriptionInfo, Webhook } from '../api/types.js';
import { isContentType, type ContentType, CONTENT_TYPES } from '../content-types.js';
import { errorMessage, InvalidInputError } from '../errors.js';
import type { Runtime } from '../runtime.js';

export const PING_OK =
  'Successfully connected to the O365 Management API with the provided connection parameters!';

export async function ping(
  rt: Runtime,
): Promise<{ ok: boolean; message: string; subscriptions?: SubscriptionInfo[] }> {
  try {
    const subscriptions = await rt.api.listSubscriptions();
    return { ok: true, message: PING_OK, subscriptions };
  } catch (err) {
    return {
      ok: false,
      message: `Failed to connect to the O365 Management API! Error is ${errorMessage(err)}`,
    };
  }
}

export function requireContentType(value: string | null | undefined): ContentType {
  if (!value || !isContentType(value)) {
    throw new InvalidInputError(
      `unknown content type '${value ?? ''}'; accepted: ${CONTENT_TYPES.join(', ')}`,
    );
  }
  return value;
}

export async function startSubscription(
  rt: Runtime,
  contentType: ContentType,
  webhook?: Webhook,
): Promise<string> {
  await rt.api.startSubscription(contentType, webhook);
  return `Successfully created O365 Management API subscription for the ${contentType} content type!`;
}

export async function stopSubscription(rt: Runtime, contentType: ContentType): Promise<string> {
  await rt.api.stopSubscription(contentType);
  return `Successfully stopped O365 Management API subscription for the ${contentType} content type!`;
}

export function parseWindowArgs(
  start: string | null | undefined,
  end: string | null | undefined,
  now: Date,
): { start: Date; end: Date } {
  const e = end ? new Date(end) : now;
  // Check the end first: a missing start is derived from it and must not take the blame.
  if (Number.isNaN(e.getTime()))
    throw new InvalidInputError(
      `endTime '${end}' is not a date; accepted: ISO-8601, e.g. 2026-11-20T11:00:00Z`,
    );
  const s = start ? new Date(start) : new Date(e.getTime() - 60 * 60_000);
  if (Number.isNaN(s.getTime()))
    throw new InvalidInputError(
      `startTime '${start}' is not a date; accepted: ISO-8601, e.g. 2026-11-20T10:00:00Z`,
    );
  if (s >= e) throw new InvalidInputError('startTime must be before endTime');
  if (e.getTime() - s.getTime() > 86_400_000)
    throw new InvalidInputError('the window may span at most 24 hours (an API rule)');
  if (s.getTime() < now.getTime() - 7 * 86_400_000)
    throw new InvalidInputError('startTime may be at most 7 days in the past (an API rule)');
  return { start: s, end: e };
}

export async function listContent(
  rt: Runtime,
  contentType: ContentType,
  window: { start: Date; end: Date },
): Promise<ContentItem[]> {
  return (await rt.api.listContent(contentType, window)).items;
}

/** Move up to `max` messages from the poison queue back to the content queue (same text). */
export async function replayPoison(rt: Runtime, max: number): Promise<{ replayed: number }> {
  let replayed = 0;
  while (replayed < max) {
    const batch = await rt.clients.poison.receiveMessages({
      numberOfMessages: Math.min(32, max - replayed),
      visibilityTimeout: 60,
    });
    if (batch.receivedMessageItems.length === 0) break;
    for (const m of batch.receivedMessageItems) {
      // Send first, then delete: a crash in between duplicates a message, which the ledger absorbs.
      await rt.clients.queue.sendMessage(m.messageText);
      await rt.clients.poison.deleteMessage(m.messageId, m.popReceipt);
      replayed += 1;
    }
  }
  rt.logger.info('poison.replayed', { replayed });
  return { replayed };
}
