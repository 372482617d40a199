/** The onboarding dependencies from the composition root's runtime. */
import type { Runtime } from '../runtime.js';
import type { ConsentDeps } from './consent.js';
import type { OnboardDeps } from './onboard.js';
import { apiForTenant } from './tenant-api.js';
import { tableUsedConsentStates } from './used-states.js';

/** Tenants of the settings: collected whatever the registry says, and read-only for it. */
export function settingTenants(config: Runtime['config']): string[] {
  return [config.tenantId];
}

export function onboardDeps(rt: Runtime, overrides: Partial<OnboardDeps> = {}): OnboardDeps {
  return {
    registry: rt.tenants,
    apiFor: apiForTenant(rt),
    clock: rt.clock,
    logger: rt.logger,
    settingTenants: settingTenants(rt.config),
    contentTypes: rt.config.contentTypes,
    autoSubscribe: rt.config.autoSubscribe,
    ...overrides,
  };
}

export function consentDeps(rt: Runtime, overrides: Partial<ConsentDeps> = {}): ConsentDeps {
  return {
    ...onboardDeps(rt, overrides),
    signingKey: rt.config.consentSigningKey,
    usedStates: tableUsedConsentStates(rt.clients.tenantTable),
    ...overrides,
  };
}
