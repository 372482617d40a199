/**
 * The output blob sink on Azurite: a body of several blocks is committed with its content type,
 * encoding and metadata in one step, and a write that fails before its commit leaves the previous
 * version of the blob whole — body and metadata — so no reader ever sees a blob without metadata.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { blobEventSink } from '../../shared/storage/event-sink.js';
import { testStorage, uniqueName } from '../helpers/storage.js';

const MB = 1024 * 1024;
let container: ContainerClient;

beforeAll(async () => {
  container = testStorage().blobs.getContainerClient(uniqueName('sink'));
  await container.create();
});

/** `bytes` in chunks of 64 KB, then optionally an error instead of the end. */
function source(bytes: Buffer, failAfter?: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += 64 * 1024) {
        if (failAfter !== undefined && at >= failAfter) throw new Error('source failed mid-stream');
        yield bytes.subarray(at, at + 64 * 1024);
      }
    })(),
  );
}

const meta = (events: number) => () => ({
  contentId: 'a$b c',
  contentCreated: '2026-12-02T10:00:00.000Z',
  events,
  schemaVersion: 1 as const,
});

describe('blobEventSink', () => {
  it('commits a multi-block body with headers and metadata in one step', async () => {
    const body = randomBytes(9 * MB + 12_345); // three blocks of 4 MB, the last one short
    const path = `t/${uniqueName('b')}.ndjson.gz`;
    await blobEventSink(container).write(path, source(body), meta(42));
    const blob = container.getBlockBlobClient(path);
    expect(Buffer.compare(await blob.downloadToBuffer(), body)).toBe(0);
    const props = await blob.getProperties();
    expect(props.contentType).toBe('application/x-ndjson');
    expect(props.contentEncoding).toBe('gzip');
    expect(props.metadata).toEqual({
      contentid: encodeURIComponent('a$b c'),
      contentcreated: '2026-12-02T10:00:00.000Z',
      events: '42',
      schemaversion: '1',
    });
    const blocks = await blob.getBlockList('committed');
    expect(blocks.committedBlocks?.map((b) => b.size)).toEqual([4 * MB, 4 * MB, MB + 12_345]);
  });

  it('a rewrite that fails mid-stream leaves the previous version, metadata included', async () => {
    const path = `t/${uniqueName('b')}.ndjson.gz`;
    const first = randomBytes(5 * MB);
    await blobEventSink(container).write(path, source(first), meta(7));
    const second = randomBytes(10 * MB);
    await expect(blobEventSink(container).write(path, source(second, 6 * MB), meta(9))).rejects.toThrow(
      'source failed mid-stream',
    );
    const blob = container.getBlockBlobClient(path);
    expect(Buffer.compare(await blob.downloadToBuffer(), first)).toBe(0);
    expect((await blob.getProperties()).metadata?.events).toBe('7');
  });

  it('a rewrite that dies before its commit (here: metadata unavailable) changes nothing', async () => {
    const path = `t/${uniqueName('b')}.ndjson.gz`;
    const first = randomBytes(MB);
    await blobEventSink(container).write(path, source(first), meta(3));
    const dies = () => {
      throw new Error('process gone before the commit');
    };
    await expect(blobEventSink(container).write(path, source(randomBytes(2 * MB)), dies)).rejects.toThrow(
      'process gone before the commit',
    );
    const blob = container.getBlockBlobClient(path);
    expect(Buffer.compare(await blob.downloadToBuffer(), first)).toBe(0);
    expect((await blob.getProperties()).metadata?.events).toBe('3');
  });

  it('a rewrite replaces body and metadata together', async () => {
    const path = `t/${uniqueName('b')}.ndjson.gz`;
    await blobEventSink(container).write(path, source(randomBytes(MB)), meta(1));
    const second = randomBytes(2 * MB);
    await blobEventSink(container).write(path, source(second), meta(2));
    const blob = container.getBlockBlobClient(path);
    expect(Buffer.compare(await blob.downloadToBuffer(), second)).toBe(0);
    expect((await blob.getProperties()).metadata?.events).toBe('2');
  });
});
