/**
 * A registry row's optional overrides applied to the settings: each override present replaces
 * the setting of the same name for that tenant only (see docs/multi-tenant.md).
 */
import type { Config, FilterConfig } from '../config.js';
import type { ContentType } from '../content-types.js';
import type { TenantRecord } from './registry.js';

export interface TenantSettings {
  contentTypes: readonly ContentType[];
  filter: FilterConfig;
}

export function tenantSettings(
  config: Pick<Config, 'contentTypes' | 'filter'>,
  record?: Pick<TenantRecord, 'contentTypes' | 'filter'>,
): TenantSettings {
  const f = record?.filter;
  return {
    contentTypes: record?.contentTypes ?? config.contentTypes,
    filter: {
      operations: f?.operations ?? config.filter.operations,
      statuses: f?.statuses ?? config.filter.statuses,
      policies: f?.policies ?? config.filter.policies,
      mode: f?.mode ?? config.filter.mode,
    },
  };
}
