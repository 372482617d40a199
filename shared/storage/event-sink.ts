/**
 * Output blobs: gzip NDJSON uploaded as a stream (block by block, bounded memory), with content
 * type, encoding and metadata set at commit. The same path is overwritten on reprocessing.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { EventSink } from './types.js';

const BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;

export function blobEventSink(container: ContainerClient): EventSink {
  return {
    async write(path, gzipStream, metadata) {
      const blob = container.getBlockBlobClient(path);
      // Metadata is only known once the stream ends; upload the body first, then set it.
      await blob.uploadStream(gzipStream, BLOCK_BYTES, UPLOAD_CONCURRENCY, {
        blobHTTPHeaders: { blobContentType: 'application/x-ndjson', blobContentEncoding: 'gzip' },
      });
      const m = metadata();
      await blob.setMetadata({
        contentid: encodeURIComponent(m.contentId),
        contentcreated: m.contentCreated,
        events: String(m.events),
        schemaversion: String(m.schemaVersion),
      });
    },
  };
}
