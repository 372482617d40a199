/**
 * The content queue. Messages are base64 JSON (the Functions queue trigger expects base64 and the
 * JS SDK has no encoding option), sent with bounded concurrency.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { ContentMessage, ContentQueue } from './types.js';

/** Raw JSON budget: 64 KiB per message after base64's 4/3 inflation. */
export const MAX_MESSAGE_BYTES = 48 * 1024;

export function encodeMessage(message: ContentMessage): string {
  const json = JSON.stringify(message);
  if (Buffer.byteLength(json) > MAX_MESSAGE_BYTES)
    throw new Error(`queue message for ${message.contentId} exceeds ${MAX_MESSAGE_BYTES} bytes`);
  return Buffer.from(json, 'utf8').toString('base64');
}

/** Run `fn` over `items` with at most `limit` in flight; the first error rejects after in-flight work settles. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure as Error;
}

export function storageContentQueue(queue: QueueClient, poison: QueueClient, concurrency = 16): ContentQueue {
  return {
    async send(messages) {
      await forEachLimited(messages, concurrency, async (m) => {
        await queue.sendMessage(encodeMessage(m));
      });
    },
    async depth() {
      const count = async (q: QueueClient) => {
        try {
          return (await q.getProperties()).approximateMessagesCount ?? 0;
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return 0;
          throw err;
        }
      };
      return { queue: await count(queue), poison: await count(poison) };
    },
  };
}
