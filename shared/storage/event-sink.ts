/**
 * Output blobs: gzip NDJSON uploaded as a stream of staged blocks (bounded memory), committed in
 * ONE call that sets the body, content type, encoding and metadata together. The same path is
 * overwritten on reprocessing; a failure before the commit leaves the previous version whole.
 *
 * Metadata (the event count) is only known once the stream ends, which is why the body is not
 * uploaded with `uploadStream`: a body committed first and metadata set in a second call leaves
 * a window in which a crash, or a concurrent rewrite of the same blob, leaves it without metadata.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { EventBlobMetadata, EventSink } from './types.js';

const BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;

export function blobEventSink(container: ContainerClient): EventSink {
  return {
    async write(path, gzipStream, metadata) {
      const blob = container.getBlockBlobClient(path);
      const blockIds = await stageBlocks(blob, gzipStream);
      await blob.commitBlockList(blockIds, {
        blobHTTPHeaders: { blobContentType: 'application/x-ndjson', blobContentEncoding: 'gzip' },
        metadata: blobMetadata(metadata()),
      });
    },
  };
}

export function blobMetadata(m: EventBlobMetadata): Record<string, string> {
  return {
    contentid: encodeURIComponent(m.contentId),
    contentcreated: m.contentCreated,
    events: String(m.events),
    schemaversion: String(m.schemaVersion),
  };
}

/**
 * Cut the stream into blocks of BLOCK_BYTES and stage them, at most UPLOAD_CONCURRENCY at once.
 * Staged blocks are invisible until committed (and discarded by the service after a week if never
 * committed). Returns the block ids in order.
 */
async function stageBlocks(blob: BlockBlobClient, stream: Readable): Promise<string[]> {
  // Ids must all have the same length within a blob: a per-upload prefix and a padded counter.
  const prefix = randomUUID();
  const ids: string[] = [];
  const pending = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const stage = (body: Buffer) => {
    const id = Buffer.from(`${prefix}-${String(ids.length).padStart(6, '0')}`).toString('base64');
    ids.push(id);
    const p: Promise<void> = blob.stageBlock(id, body, body.length).then(
      () => void pending.delete(p),
      (error: unknown) => {
        pending.delete(p);
        failure ??= { error };
      },
    );
    pending.add(p);
  };
  const settle = async (limit: number) => {
    while (pending.size > limit) await Promise.race(pending);
    if (failure) throw failure.error;
  };

  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    while (size >= BLOCK_BYTES) {
      const all = Buffer.concat(parts, size);
      stage(all.subarray(0, BLOCK_BYTES));
      parts = size > BLOCK_BYTES ? [all.subarray(BLOCK_BYTES)] : [];
      size -= BLOCK_BYTES;
      await settle(UPLOAD_CONCURRENCY - 1);
    }
  }
  if (size > 0) stage(Buffer.concat(parts, size));
  await settle(0);
  return ids;
}
