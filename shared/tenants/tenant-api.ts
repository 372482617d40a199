/**
 * The Management API client of one tenant, for the onboarding checks (token + subscriptions/list)
 * and for starting or stopping a tenant's subscriptions: one client per tenant per runtime, so
 * repeated calls share its MSAL application (token cache) and request budget.
 */
import { createManagementApiFromConfig } from '../api/client.js';
import type { ManagementApi } from '../api/types.js';
import type { Runtime } from '../runtime.js';

export type ApiForTenant = (tenantId: string) => ManagementApi;

const perRuntime = new WeakMap<Runtime['config'], Map<string, ManagementApi>>();

export function apiForTenant(rt: Runtime): ApiForTenant {
  return (tenantId) => {
    if (tenantId === rt.config.tenantId) return rt.api;
    let byTenant = perRuntime.get(rt.config);
    if (!byTenant) {
      byTenant = new Map<string, ManagementApi>();
      perRuntime.set(rt.config, byTenant);
    }
    let api = byTenant.get(tenantId);
    if (!api) {
      // The app's credential and publisher id, the other tenant's authority and API paths.
      api = createManagementApiFromConfig({ ...rt.config, tenantId }, { logger: rt.logger, clock: rt.clock });
      byTenant.set(tenantId, api);
    }
    return api;
  };
}
