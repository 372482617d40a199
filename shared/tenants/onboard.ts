/**
 * Onboarding a tenant, shared by the consent route, `tenants add` and `POST /api/tenants/{id}`:
 * check that the app can reach it (a token for the tenant, then subscriptions/list), then start
 * the subscriptions of its content types that are not enabled yet.
 */
import type { ManagementApi, SubscriptionInfo } from '../api/types.js';
import type { Clock } from '../clock.js';
import type { ContentType } from '../content-types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TenantRegistry } from './registry.js';
import type { ApiForTenant } from './tenant-api.js';

export interface OnboardDeps {
  registry: TenantRegistry;
  apiFor: ApiForTenant;
  clock: Clock;
  logger: Logger;
  /** Tenants of the settings (O365_TENANTS, or O365_TENANT_ID alone): read-only here. */
  settingTenants: readonly string[];
  /** O365_CONTENT_TYPES, unless a tenant's registry row overrides it. */
  contentTypes: readonly ContentType[];
  /** O365_AUTO_SUBSCRIBE: whether onboarding starts the tenant's subscriptions. */
  autoSubscribe: boolean;
  /**
   * Waits between attempts of the reachability check. Right after an admin consents, Entra ID
   * may not yet issue the app a token for the tenant (the service principal is still being
   * created), so a failed check is repeated a few times before the tenant counts as unreachable.
   */
  checkRetryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_CHECK_RETRY_DELAYS_MS = [2_000, 5_000] as const;

export type CheckResult =
  | { ok: true; subscriptions: SubscriptionInfo[]; attempts: number }
  | { ok: false; reason: string; attempts: number };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Token + subscriptions/list for the tenant, repeated per `checkRetryDelaysMs` while it fails. */
export async function checkTenant(deps: OnboardDeps, tenantId: string): Promise<CheckResult> {
  const delays = deps.checkRetryDelaysMs ?? DEFAULT_CHECK_RETRY_DELAYS_MS;
  const sleep = deps.sleep ?? defaultSleep;
  let api: ManagementApi;
  try {
    api = deps.apiFor(tenantId);
  } catch (err) {
    return { ok: false, reason: errorMessage(err), attempts: 0 };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const subscriptions = await api.listSubscriptions();
      deps.logger.info('tenants.check_ok', { tenantId, attempts: attempt });
      return { ok: true, subscriptions, attempts: attempt };
    } catch (err) {
      const delay = delays[attempt - 1];
      deps.logger.warn('tenants.check_failed', {
        tenantId,
        attempt,
        error: err,
        retryInMs: delay,
      });
      if (delay === undefined) return { ok: false, reason: errorMessage(err), attempts: attempt };
      await sleep(delay);
    }
  }
}

export interface SubscriptionsOutcome {
  /** Started now. */
  started: ContentType[];
  /** Already enabled before. */
  enabled: ContentType[];
  failed: Array<{ contentType: ContentType; error: string }>;
  /** Set when nothing was attempted, with the reason (O365_AUTO_SUBSCRIBE=false). */
  skipped?: string;
}

/**
 * Start every subscription of `contentTypes` that `current` does not list as enabled. A failure
 * of one content type is reported and does not stop the others; the enumerator starts a missing
 * subscription again on its runs (O365_AUTO_SUBSCRIBE).
 */
export async function startTenantSubscriptions(
  deps: OnboardDeps,
  tenantId: string,
  contentTypes: readonly ContentType[],
  current: readonly SubscriptionInfo[],
): Promise<SubscriptionsOutcome> {
  const out: SubscriptionsOutcome = { started: [], enabled: [], failed: [] };
  if (!deps.autoSubscribe) {
    out.skipped = 'O365_AUTO_SUBSCRIBE is false: start them with `subscriptions start`';
    return out;
  }
  const api = deps.apiFor(tenantId);
  for (const contentType of contentTypes) {
    const sub = current.find((s) => s.contentType.toLowerCase() === contentType.toLowerCase());
    if (sub?.status.toLowerCase() === 'enabled') {
      out.enabled.push(contentType);
      continue;
    }
    try {
      await api.startSubscription(contentType);
      out.started.push(contentType);
    } catch (err) {
      out.failed.push({ contentType, error: errorMessage(err) });
    }
  }
  deps.logger.info('tenants.subscriptions_started', {
    tenantId,
    started: out.started,
    alreadyEnabled: out.enabled,
    failed: out.failed.map((f) => f.contentType),
  });
  return out;
}

/** Stop every subscription of the tenant's content types; failures are reported, not thrown. */
export async function stopTenantSubscriptions(
  deps: OnboardDeps,
  tenantId: string,
  contentTypes: readonly ContentType[],
): Promise<{ stopped: ContentType[]; failed: Array<{ contentType: ContentType; error: string }> }> {
  const out = {
    stopped: [] as ContentType[],
    failed: [] as Array<{ contentType: ContentType; error: string }>,
  };
  const api = deps.apiFor(tenantId);
  for (const contentType of contentTypes) {
    try {
      await api.stopSubscription(contentType);
      out.stopped.push(contentType);
    } catch (err) {
      out.failed.push({ contentType, error: errorMessage(err) });
    }
  }
  deps.logger.info('tenants.subscriptions_stopped', {
    tenantId,
    stopped: out.stopped,
    failed: out.failed.map((f) => f.contentType),
  });
  return out;
}
