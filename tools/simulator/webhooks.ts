/**
 * Outbound webhook calls, as the service makes them: a validation POST before a webhook is
 * accepted (`Webhook-ValidationCode`, body `{"validationCode"}`; anything but 200 fails the
 * /start with AF20021), and notification POSTs (JSON arrays of content items, `Webhook-AuthID`)
 * for content that became listable since the last delivery. Delivery is explicit
 * (`deliverNotifications()`), so tests decide when it happens.
 */
import { randomUUID } from 'node:crypto';
import { Agent, fetch } from 'undici';
import type { ContentCatalog } from './generator/catalog.js';
import type { Subscriptions, Webhook } from './subscriptions.js';
import type { TenantRecord } from './tenants.js';
import { DAY } from './time.js';
import type { SimClock } from './types.js';
import { CONTENT_TYPES, type ContentType } from '../../shared/content-types.js';
import { contentItem } from './routes/feed.js';

export interface WebhookAttempt {
  at: string;
  kind: 'validation' | 'notification';
  tenantId: string;
  contentType: ContentType;
  address: string;
  /** HTTP status of the receiver, 0 when the call failed. */
  status: number;
  contentIds?: string[];
  error?: string;
}

export interface WebhookOptions {
  /** CA (PEM) the receiver's certificate chains to, when it is not publicly trusted. */
  ca?: string;
  /** Accept http:// addresses (the real service refuses them; local Functions hosts are http). */
  allowHttp?: boolean;
}

/** The service sends notifications in batches; the limit is not documented. */
const BATCH = 20;

export class WebhookSender {
  readonly attempts: WebhookAttempt[] = [];
  /** tenant|contentType → listableAt (ms) delivered through. */
  private readonly watermark = new Map<string, number>();
  private readonly dispatcher: Agent;

  constructor(
    private readonly opts: WebhookOptions,
    private readonly clock: SimClock,
    private readonly tenants: readonly TenantRecord[],
    private readonly catalog: ContentCatalog,
    private readonly subs: Subscriptions,
    private readonly apiRoot: () => string,
  ) {
    this.dispatcher = new Agent({ connect: opts.ca ? { ca: opts.ca } : {} });
  }

  addressProblem(address: string): string | undefined {
    if (/^https:\/\//i.test(address)) return undefined;
    if (this.opts.allowHttp && /^http:\/\//i.test(address)) return undefined;
    return 'The address must begin with HTTPS.';
  }

  private async post(
    address: string,
    headers: Record<string, string>,
    body: unknown,
  ): Promise<{ status: number; error?: string }> {
    try {
      const res = await fetch(address, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return { status: res.status };
    } catch (err) {
      return { status: 0, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** undefined when the receiver answered 200; else the AF20021 reason. */
  async validate(tenantId: string, ct: ContentType, webhook: Webhook): Promise<string | undefined> {
    const code = randomUUID().replace(/-/g, '');
    const headers: Record<string, string> = { 'Webhook-ValidationCode': code };
    if (webhook.authId) headers['Webhook-AuthID'] = webhook.authId;
    const r = await this.post(webhook.address, headers, { validationCode: code });
    this.attempts.push({
      at: this.clock.now().toISOString(),
      kind: 'validation',
      tenantId,
      contentType: ct,
      address: webhook.address,
      status: r.status,
      ...(r.error ? { error: r.error } : {}),
    });
    return r.status === 200 ? undefined : 'The endpoint did not return HTTP 200.';
  }

  /** Sends notifications for content listed since the last delivery; returns how many were accepted. */
  async deliver(): Promise<number> {
    const nowMs = this.clock.now().getTime();
    let delivered = 0;
    for (const t of this.tenants) {
      for (const ct of CONTENT_TYPES) {
        const sub = this.subs.get(t.tenant.tenantId, ct);
        if (!sub?.webhook || sub.status !== 'enabled') continue;
        const key = `${t.tenant.tenantId}|${ct}`;
        const from = this.watermark.get(key) ?? (sub.webhookSinceMs ?? 0) - 1;
        const due = this.catalog
          .blobsInRange(t, ct, nowMs - 7 * DAY, nowMs + 1)
          .filter((m) => m.listableMs > from && m.listableMs <= nowMs && this.subs.visible(sub, m.createdMs))
          .sort((a, b) => a.listableMs - b.listableMs);
        for (let i = 0; i < due.length; i += BATCH) {
          const batch = due.slice(i, i + BATCH);
          const body = batch.map((m) => ({
            tenantId: t.tenant.tenantId,
            clientId: t.tenant.clientId,
            ...contentItem(m, this.apiRoot()),
          }));
          const headers: Record<string, string> = sub.webhook.authId
            ? { 'Webhook-AuthID': sub.webhook.authId }
            : {};
          const r = await this.post(sub.webhook.address, headers, body);
          this.attempts.push({
            at: this.clock.now().toISOString(),
            kind: 'notification',
            tenantId: t.tenant.tenantId,
            contentType: ct,
            address: sub.webhook.address,
            status: r.status,
            contentIds: batch.map((m) => m.contentId),
            ...(r.error ? { error: r.error } : {}),
          });
          // A failed batch is retried on the next delivery, like the service's retries.
          if (r.status !== 200) break;
          delivered += batch.length;
          this.watermark.set(key, batch.at(-1)?.listableMs ?? from);
        }
      }
    }
    return delivered;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
