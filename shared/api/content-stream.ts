/**
 * A blob body as a Node stream that is never buffered whole. A connection cut mid-body (or a body
 * shorter than its Content-Length) fails the stream with a retryable `ApiError` when consumed, so
 * the processor retries the blob instead of writing half of it.
 */
import { Readable } from 'node:stream';
import type { Response } from 'undici';
import { errorMessage } from '../errors.js';
import { ApiError } from './af-errors.js';

export interface BlobFacts {
  tenantId: string;
  contentId?: string;
}

export function contentLengthOf(response: Response): number | undefined {
  // With Content-Encoding the header counts compressed bytes, and fetch hands us decoded ones.
  if (response.headers.get('content-encoding')) return undefined;
  const raw = response.headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

export function blobStream(response: Response, facts: BlobFacts): Readable {
  const body = response.body;
  const expected = contentLengthOf(response);
  const truncated = (message: string, cause?: unknown) =>
    new ApiError(`blob body ${message}`, {
      category: 'retry',
      operation: 'blob',
      httpStatus: response.status,
      cause,
      ...facts,
    });

  async function* chunks(): AsyncGenerator<Buffer> {
    if (!body) {
      if (expected) throw truncated(`missing (Content-Length ${expected})`);
      return;
    }
    let received = 0;
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        received += chunk.byteLength;
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    } catch (err) {
      throw truncated(`interrupted after ${received} bytes: ${errorMessage(err)}`, err);
    }
    if (expected !== undefined && received !== expected) {
      throw truncated(`truncated: ${received} of ${expected} bytes`);
    }
  }

  return Readable.from(chunks(), { objectMode: false });
}
