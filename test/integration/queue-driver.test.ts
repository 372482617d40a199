/** The local reproduction of the queue trigger, on real Azurite queues. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { QueueDriver, type MessageResult } from '../../tools/runner/queue-driver.js';
import { testStorage, uniqueName } from '../helpers/storage.js';

async function queues() {
  const s = testStorage();
  const queue = s.queues.getQueueClient(uniqueName('q'));
  const poison = s.queues.getQueueClient(`${queue.name}-poison`);
  await queue.create();
  return { queue, poison };
}

const settings = {
  batchSize: 4,
  newBatchThreshold: 2,
  maxDequeueCount: 3,
  visibilityTimeoutMs: 0,
  maxPollingIntervalMs: 100,
  messageEncoding: 'base64' as const,
};

describe('QueueDriver (queue trigger semantics)', () => {
  it('decodes base64, passes JSON as an object and text as a string, with dequeueCount, and deletes on success', async () => {
    const { queue, poison } = await queues();
    await queue.sendMessage(Buffer.from('{"a":1}').toString('base64'));
    await queue.sendMessage(Buffer.from('plain text').toString('base64'));
    const seen: Array<{ entry: unknown; dequeueCount: unknown }> = [];
    const driver = new QueueDriver({
      queue,
      poison,
      settings,
      functionName: 'f',
      logger: silentLogger,
      handler: (entry, ctx) => {
        seen.push({ entry, dequeueCount: ctx.triggerMetadata?.dequeueCount });
        return Promise.resolve();
      },
    });
    await driver.drain();
    expect(seen).toEqual(
      expect.arrayContaining([
        { entry: { a: 1 }, dequeueCount: 1 },
        { entry: 'plain text', dequeueCount: 1 },
      ]),
    );
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('retries a failing message up to maxDequeueCount, then moves the original text to the poison queue', async () => {
    const { queue, poison } = await queues();
    const text = Buffer.from('{"boom":true}').toString('base64');
    await queue.sendMessage(text);
    await queue.sendMessage(Buffer.from('{"ok":true}').toString('base64'));
    const results: MessageResult[] = [];
    const driver = new QueueDriver({
      queue,
      poison,
      settings,
      functionName: 'f',
      logger: silentLogger,
      handler: (entry) =>
        (entry as { boom?: boolean }).boom ? Promise.reject(new Error('transient')) : Promise.resolve('fine'),
      onResult: (r) => results.push(r),
    });
    await driver.drain();
    const boom = results.filter((r) => (r.payload as { boom?: boolean }).boom);
    expect(boom.map((r) => r.dequeueCount)).toEqual([1, 2, 3]);
    expect(boom.at(-1)!.poisoned).toBe(true);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const p = await poison.receiveMessages();
    expect(p.receivedMessageItems.map((m) => m.messageText)).toEqual([text]);
  });

  it('a message that is not base64 never reaches the handler and ends in the poison queue', async () => {
    const { queue, poison } = await queues();
    await queue.sendMessage('not base64 at all!');
    let calls = 0;
    const driver = new QueueDriver({
      queue,
      poison,
      settings,
      functionName: 'f',
      logger: silentLogger,
      handler: () => Promise.resolve(calls++),
    });
    await driver.drain();
    expect(calls).toBe(0);
    expect((await poison.receiveMessages()).receivedMessageItems[0]?.messageText).toBe('not base64 at all!');
  });
});
