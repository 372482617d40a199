/**
 * `GET /api/consent`: where Entra ID sends the admin's browser after admin consent, with
 * `tenant`, `admin_consent`, `state` (and `scope`) on success, or `error` and `error_description`
 * beside them when consent was not given ("Admin consent on the Microsoft identity platform").
 *
 * The route is anonymous (a browser arrives without a function key), so nothing it does may be
 * triggered by a request the app did not start: the state must carry this app's signature, be
 * unexpired and unused before anything else happens, and the `tenant` parameter is never taken
 * on trust — Microsoft warns it can be forged — but checked by getting a token for the tenant and
 * listing its subscriptions, which only works when that tenant's admin consented to this app.
 */
import { errorMessage } from '../errors.js';
import { addTenant, TenantOperationError, type AddTenantResult } from './manage.js';
import {
  checkTenant,
  startTenantSubscriptions,
  type OnboardDeps,
  type SubscriptionsOutcome,
} from './onboard.js';
import { verifyConsentState, type StateRefusal } from './consent-state.js';
import { isTenantId } from './tenant-id.js';
import type { UsedConsentStates } from './used-states.js';

export interface ConsentDeps extends OnboardDeps {
  /** O365_CONSENT_SIGNING_KEY; without it the route refuses every request. */
  signingKey?: string;
  usedStates: UsedConsentStates;
}

export type ConsentRefusal =
  | 'not-configured'
  | StateRefusal
  | 'redirect-mismatch'
  | 'denied'
  | 'incomplete'
  | 'tenant-mismatch'
  | 'already-used'
  | 'unreachable';

export type ConsentOutcome =
  | {
      ok: true;
      /** `registered`: new row; `confirmed`: already registered; `setting`: collected from the settings. */
      kind: 'registered' | 'confirmed' | 'setting';
      tenantId: string;
      state: 'enabled' | 'disabled';
      subscriptions?: SubscriptionsOutcome;
    }
  | {
      ok: false;
      reason: ConsentRefusal;
      tenantId?: string;
      /** Entra's `error` and `error_description`, or the reason the tenant could not be reached. */
      error?: string;
      detail?: string;
    };

/** Longest query value kept (Entra's descriptions are a few hundred characters). */
const MAX_VALUE = 2048;
const param = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  return v === null ? undefined : v.slice(0, MAX_VALUE);
};

export async function handleConsentRedirect(
  deps: ConsentDeps,
  query: URLSearchParams,
  requestPath: string,
): Promise<ConsentOutcome> {
  const outcome = await decide(deps, query, requestPath);
  if (outcome.ok) {
    deps.logger.info('consent.accepted', {
      tenantId: outcome.tenantId,
      kind: outcome.kind,
      started: outcome.subscriptions?.started,
      failed: outcome.subscriptions?.failed.map((f) => f.contentType),
    });
  } else {
    deps.logger.warn('consent.refused', {
      reason: outcome.reason,
      tenantId: outcome.tenantId,
      error: outcome.error,
      detail: outcome.detail?.slice(0, 500),
    });
  }
  return outcome;
}

async function decide(deps: ConsentDeps, q: URLSearchParams, requestPath: string): Promise<ConsentOutcome> {
  if (!deps.signingKey) return { ok: false, reason: 'not-configured' };
  const now = deps.clock.now();
  const verified = verifyConsentState(deps.signingKey, param(q, 'state'), now);
  if (!verified.ok) return { ok: false, reason: verified.reason };
  const state = verified.state;
  // A state is issued for one redirect URI; a different route path means it was lifted from elsewhere.
  if (new URL(state.redirect).pathname !== requestPath) return { ok: false, reason: 'redirect-mismatch' };

  const rawTenant = param(q, 'tenant');
  const tenantId = rawTenant && isTenantId(rawTenant) ? rawTenant.toLowerCase() : undefined;
  const error = param(q, 'error');
  if (error !== undefined)
    return { ok: false, reason: 'denied', tenantId, error, detail: param(q, 'error_description') };
  if (!tenantId || param(q, 'admin_consent')?.toLowerCase() !== 'true')
    return {
      ok: false,
      reason: 'incomplete',
      detail: !tenantId
        ? 'the redirect has no tenant id (a GUID in the tenant parameter)'
        : 'the redirect does not say admin_consent=True',
    };
  if (state.tenant && state.tenant !== tenantId)
    return {
      ok: false,
      reason: 'tenant-mismatch',
      tenantId,
      detail: `this consent link was issued for tenant ${state.tenant}`,
    };
  // Read first, so a replayed state causes no token request; `use` below decides atomically.
  if (await deps.usedStates.isUsed(state.nonce)) return { ok: false, reason: 'already-used', tenantId };

  const check = await checkTenant(deps, tenantId);
  if (!check.ok) return { ok: false, reason: 'unreachable', tenantId, detail: check.reason };
  if (!(await deps.usedStates.use(state.nonce, new Date(state.exp), now)))
    return { ok: false, reason: 'already-used', tenantId };

  if (deps.settingTenants.includes(tenantId)) {
    const subscriptions = await startTenantSubscriptions(
      deps,
      tenantId,
      deps.contentTypes,
      check.subscriptions,
    );
    return { ok: true, kind: 'setting', tenantId, state: 'enabled', subscriptions };
  }
  let added: AddTenantResult;
  try {
    added = await addTenant(deps, { tenantId, source: 'consent' }, check);
  } catch (err) {
    // The check passed, so this is storage failing; the admin can use a fresh link later.
    if (err instanceof TenantOperationError)
      return { ok: false, reason: 'unreachable', tenantId, detail: err.message };
    throw new Error(`registering tenant ${tenantId} failed: ${errorMessage(err)}`, { cause: err });
  }
  return {
    ok: true,
    kind: added.created ? 'registered' : 'confirmed',
    tenantId,
    state: added.record.state,
    subscriptions: added.subscriptions,
  };
}
