/**
 * Subscription state per tenant and content type. After /stop nothing can be listed or fetched;
 * after a restart only new content is visible — "content made available between stop and
 * restart cannot be retrieved".
 */
import type { ContentType } from '../../shared/content-types.js';

export interface Webhook {
  address: string;
  authId?: string;
  expiration: string | null;
}

export interface Subscription {
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  webhook: Webhook | null;
  /** When the current webhook was set (notifications exist from then on). */
  webhookSinceMs?: number;
  disabledAtMs?: number;
  disabledBy?: string;
  /** [from, to) ranges of contentCreated hidden because the subscription was stopped then. */
  gaps: Array<[number, number]>;
}

export class Subscriptions {
  private readonly byTenant = new Map<string, Map<ContentType, Subscription>>();

  private map(tenantId: string): Map<ContentType, Subscription> {
    let m = this.byTenant.get(tenantId);
    if (!m) this.byTenant.set(tenantId, (m = new Map()));
    return m;
  }

  get(tenantId: string, ct: ContentType): Subscription | undefined {
    return this.map(tenantId).get(ct);
  }

  list(tenantId: string): Subscription[] {
    return [...this.map(tenantId).values()];
  }

  /** 'unchanged' means AF20024: already enabled and nothing to update. */
  start(
    tenantId: string,
    ct: ContentType,
    webhook: Webhook | null | undefined,
    nowMs: number,
  ): 'ok' | 'unchanged' {
    const m = this.map(tenantId);
    const sub = m.get(ct);
    if (!sub) {
      m.set(ct, {
        contentType: ct,
        status: 'enabled',
        webhook: webhook ?? null,
        gaps: [],
        ...(webhook ? { webhookSinceMs: nowMs } : {}),
      });
      return 'ok';
    }
    if (sub.status === 'enabled') {
      const same = JSON.stringify(sub.webhook) === JSON.stringify(webhook ?? null);
      if (same || webhook === undefined) return 'unchanged';
      sub.webhook = webhook;
      if (webhook) sub.webhookSinceMs = nowMs;
      return 'ok';
    }
    sub.gaps.push([sub.disabledAtMs ?? nowMs, nowMs]);
    sub.status = 'enabled';
    delete sub.disabledAtMs;
    delete sub.disabledBy;
    if (webhook !== undefined) {
      sub.webhook = webhook;
      if (webhook) sub.webhookSinceMs = nowMs;
    }
    return 'ok';
  }

  stop(tenantId: string, ct: ContentType, nowMs: number, by = 'a tenant admin'): boolean {
    const sub = this.get(tenantId, ct);
    if (!sub) return false;
    if (sub.status === 'enabled') {
      sub.status = 'disabled';
      sub.disabledAtMs = nowMs;
      sub.disabledBy = by;
    }
    return true;
  }

  /** Whether content created at `createdMs` can be listed/fetched under this subscription. */
  visible(sub: Subscription | undefined, createdMs: number): boolean {
    if (!sub) return false;
    if (sub.status === 'disabled' && createdMs >= (sub.disabledAtMs ?? 0)) return false;
    return !sub.gaps.some(([from, to]) => createdMs >= from && createdMs < to);
  }
}
