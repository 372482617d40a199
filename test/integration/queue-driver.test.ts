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
  it('fetches the next batch once no more than newBatchThreshold messages are in flight', async () => {
    const { queue, poison } = await queues();
    for (let i = 0; i < 12; i++) await queue.sendMessage(Buffer.from(`{"n":${i}}`).toString('base64'));
    let active = 0;
    let maxActive = 0;
    const waiting: Array<() => void> = [];
    const driver = new QueueDriver({
      queue,
      poison,
      settings, // batchSize 4, newBatchThreshold 2: up to 6 at once
      functionName: 'f',
      logger: silentLogger,
      handler: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => waiting.push(resolve));
        active -= 1;
      },
    });
    const drained = driver.drain(undefined, 20);
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => waiting.length === 4);
    expect(active).toBe(4); // the first batch: batchSize
    waiting.splice(0, 2).forEach((release) => release()); // 2 left in flight = the threshold
    await until(() => active === 6);
    expect(maxActive).toBe(6); // a second batch started beside the two still running
    // Let everything finish: release whatever is waiting until the queue is drained.
    const releaser = setInterval(() => waiting.splice(0).forEach((release) => release()), 10);
    await drained;
    clearInterval(releaser);
    expect(maxActive).toBeLessThanOrEqual(settings.batchSize + settings.newBatchThreshold);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

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

  it('renews the lease while a slow invocation runs, so no one else receives the message meanwhile', async () => {
    const { queue, poison } = await queues();
    await queue.sendMessage(Buffer.from('{"slow":true}').toString('base64'));
    let calls = 0;
    let seenByOthers = 0;
    const driver = new QueueDriver({
      queue,
      poison,
      settings,
      leaseSeconds: 1,
      functionName: 'f',
      logger: silentLogger,
      handler: async () => {
        calls++;
        // Three leases long; another receiver polls all the while.
        for (let i = 0; i < 6; i++) {
          await new Promise((r) => setTimeout(r, 500));
          seenByOthers += (await queue.receiveMessages({ visibilityTimeout: 1 })).receivedMessageItems.length;
        }
      },
    });
    await driver.drain();
    expect(calls).toBe(1);
    expect(seenByOthers).toBe(0);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('a message gone while it ran (lease lost) is logged and left alone, and the loop goes on', async () => {
    const { queue, poison } = await queues();
    await queue.sendMessage(Buffer.from('{"n":1}').toString('base64'));
    await queue.sendMessage(Buffer.from('{"n":2}').toString('base64'));
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (event: string) => void warnings.push(event) };
    const results: MessageResult[] = [];
    const driver = new QueueDriver({
      queue,
      poison,
      settings: { ...settings, batchSize: 1 },
      functionName: 'f',
      logger,
      handler: async (entry) => {
        if ((entry as { n: number }).n === 1) await queue.clearMessages();
      },
      onResult: (r) => results.push(r),
    });
    await driver.drain();
    expect(results.map((r) => r.ok)).toEqual([true]);
    expect(warnings).toContain('queue.lease_lost');
  });
});
