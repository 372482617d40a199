/**
 * The webhook receiver's core: answers the validation handshake, checks `Webhook-AuthID` in
 * constant time, validates the notification array, and enqueues new content through the same
 * ledger path as the enumerator, so polling and webhook never double-process a blob.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CONTENT_TYPES } from '../content-types.js';
import { enqueueNewContent } from '../enumerator/enqueue.js';
import { errorMessage } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { ContentItem } from '../api/types.js';

const notificationSchema = z.object({
  tenantId: z.string(),
  clientId: z.string().optional(),
  contentType: z.enum(CONTENT_TYPES),
  contentId: z.string().min(1).max(1024),
  contentUri: z.string().min(1).max(4096),
  contentCreated: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'is not a date' }),
  contentExpiration: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'is not a date' }),
});
const notificationsSchema = z.array(notificationSchema).min(1).max(1000);
const validationSchema = z.object({ validationCode: z.string().min(1).max(1024) });

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Equal-length digests so neither the content nor the length of the secret leaks through timing. */
export function authIdMatches(expected: string | undefined, received: string | null | undefined): boolean {
  if (expected === undefined) return true;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256')
    .update(received ?? '')
    .digest();
  return timingSafeEqual(a, b) && received !== null && received !== undefined;
}

export async function handleNotification(
  rt: Runtime,
  authId: string | null | undefined,
  bodyText: string,
): Promise<WebhookResponse> {
  const log = rt.logger.child({ route: 'notifications' });
  if (!authIdMatches(rt.config.webhookAuthId, authId)) {
    log.warn('webhook.unauthorized', { reason: 'Webhook-AuthID missing or wrong' });
    return { status: 401, body: { error: 'Webhook-AuthID missing or wrong' } };
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    log.warn('webhook.bad_body', { reason: 'not JSON' });
    return { status: 400, body: { error: 'body is not JSON' } };
  }
  const validation = validationSchema.safeParse(body);
  if (validation.success) {
    log.info('webhook.validated');
    return { status: 200, body: { validationCode: validation.data.validationCode } };
  }
  const parsed = notificationsSchema.safeParse(body);
  if (!parsed.success) {
    const why = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; ');
    log.warn('webhook.bad_body', { reason: why });
    return { status: 400, body: { error: `not a notification array (${why})` } };
  }
  const accepted: ContentItem[] = [];
  const refused: Array<{ contentId: string; reason: string }> = [];
  for (const n of parsed.data) {
    try {
      if (n.tenantId.toLowerCase() !== rt.config.tenantId)
        throw new Error(`tenant ${n.tenantId} is not the configured tenant`);
      rt.guard.check(n.contentUri, 'contentUri');
      accepted.push({
        contentType: n.contentType,
        contentId: n.contentId,
        contentUri: n.contentUri,
        contentCreated: n.contentCreated,
        contentExpiration: n.contentExpiration,
      });
    } catch (err) {
      refused.push({ contentId: n.contentId, reason: errorMessage(err) });
    }
  }
  let enqueued = 0;
  let alreadyKnown = 0;
  for (const ct of new Set(accepted.map((a) => a.contentType))) {
    const r = await enqueueNewContent(
      { ledger: rt.ledger, queue: rt.queue, tenantId: rt.config.tenantId },
      ct,
      accepted.filter((a) => a.contentType === ct),
      rt.clock.now(),
    );
    enqueued += r.enqueued;
    alreadyKnown += r.alreadyKnown;
  }
  if (refused.length > 0) log.error('webhook.refused_items', { refused });
  log.info('webhook.notified', {
    received: parsed.data.length,
    enqueued,
    alreadyKnown,
    refused: refused.length,
  });
  // 200 even with refused items: Microsoft retries non-200 answers, and a forged item never becomes valid.
  return { status: 200, body: { received: parsed.data.length, enqueued, alreadyKnown, refused } };
}
