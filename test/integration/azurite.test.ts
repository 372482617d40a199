import { describe, expect, it } from 'vitest';
import { storageStatus } from '../../shared/storage/clients.js';
import { testStorage, uniqueName } from '../helpers/storage.js';

describe('test harness: real Azurite', () => {
  it('serves queues (base64 round-trip), tables (etag concurrency) and blobs', async () => {
    const s = testStorage();
    const queue = s.queues.getQueueClient(uniqueName('q'));
    await queue.create();
    await queue.sendMessage(Buffer.from('{"v":1}').toString('base64'));
    const got = await queue.receiveMessages();
    expect(Buffer.from(got.receivedMessageItems[0]!.messageText, 'base64').toString()).toBe('{"v":1}');

    const table = s.table(uniqueName('t'));
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', n: 1 });
    const read = await table.getEntity('p', 'r');
    await table.updateEntity({ partitionKey: 'p', rowKey: 'r', n: 2 }, 'Replace', { etag: read.etag });
    const stale = await table
      .updateEntity({ partitionKey: 'p', rowKey: 'r', n: 3 }, 'Replace', { etag: read.etag })
      .catch((e: unknown) => e);
    expect(storageStatus(stale)).toBe(412);

    const container = s.blobs.getContainerClient(uniqueName('c'));
    await container.create();
    await container.getBlockBlobClient('a.txt').upload('hi', 2);
    expect((await container.getBlockBlobClient('a.txt').downloadToBuffer()).toString()).toBe('hi');
  });
});
