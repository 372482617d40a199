/**
 * The content queue message (ARCHITECTURE "Queue message"), validated at the edge. The Functions
 * host hands the trigger a parsed object when the payload is JSON and a string otherwise; both
 * arrive here, as does anything else a forger might put on the queue.
 */
import { z } from 'zod';
import { CONTENT_TYPES } from '../content-types.js';
import { InvalidInputError } from '../errors.js';
import type { ContentMessage } from '../storage/types.js';

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'is not a date' });

export const contentMessageSchema = z.strictObject({
  v: z.literal(1, { error: 'unsupported message version; accepted: 1' }),
  tenantId: z.string().regex(/^[0-9a-f-]{36}$/i, { error: 'is not a tenant GUID' }),
  contentType: z.enum(CONTENT_TYPES),
  contentId: z.string().min(1).max(1024),
  contentUri: z.string().min(1).max(4096),
  contentCreated: isoDate,
  contentExpiration: isoDate,
  listedAt: isoDate,
});

/** Bytes of a raw message kept for operators when it is rejected. */
const RAW_KEEP = 2000;

export function rawText(payload: unknown): string {
  if (typeof payload === 'string') return payload.slice(0, RAW_KEEP);
  if (Buffer.isBuffer(payload)) return payload.toString('utf8').slice(0, RAW_KEEP);
  try {
    return (JSON.stringify(payload) ?? String(payload)).slice(0, RAW_KEEP);
  } catch {
    return String(payload).slice(0, RAW_KEEP);
  }
}

/** Parse a trigger payload into a ContentMessage, or throw InvalidInputError saying why. */
export function parseContentMessage(payload: unknown): ContentMessage {
  let value = payload;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    if (value.trim() === '') throw new InvalidInputError('queue message is empty');
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidInputError('queue message is not JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError('queue message is not a JSON object');
  }
  const parsed = contentMessageSchema.safeParse(value);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
    throw new InvalidInputError(`queue message has the wrong shape (${why})`);
  }
  return parsed.data;
}
