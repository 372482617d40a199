/**
 * Tenant management shared by the CLI (`tenants list|add|remove|disable|enable`) and the
 * `/api/tenants` routes. Tenants of the settings are listed but read-only here; the registry's
 * rows are what these operations change.
 */
import type { ContentType } from '../content-types.js';
import { PipelineError } from '../errors.js';
import {
  checkTenant,
  startTenantSubscriptions,
  stopTenantSubscriptions,
  type CheckResult,
  type OnboardDeps,
  type SubscriptionsOutcome,
} from './onboard.js';
import type { TenantFilterOverride, TenantRecord, TenantSource, TenantState } from './registry.js';
import { parseTenantId } from './tenant-id.js';

/** Why an operation on a tenant was refused: `status` is the HTTP answer, the CLI exits 1. */
export class TenantOperationError extends PipelineError {
  constructor(
    message: string,
    readonly status: 404 | 409 | 502,
    tenantId: string,
  ) {
    super(message, { retryable: false, tenantId });
  }
}

const SETTINGS_NAMES = 'the settings (O365_TENANTS, or O365_TENANT_ID alone)';

function refuseSettingTenant(deps: OnboardDeps, tenantId: string, action: string, hint = ''): void {
  if (deps.settingTenants.includes(tenantId))
    throw new TenantOperationError(
      `tenant ${tenantId} comes from ${SETTINGS_NAMES} and cannot be ${action} here; change the setting instead${hint}`,
      409,
      tenantId,
    );
}

export interface TenantListEntry {
  tenantId: string;
  /** `setting`: O365_TENANTS / O365_TENANT_ID (read-only); `registry`: the tenant table; `both`. */
  origin: 'setting' | 'registry' | 'both';
  state: TenantState;
  /** Whether the pipeline collects it: the enabled ones, whether from the settings or the registry. */
  collected: boolean;
  source?: TenantSource;
  addedAt?: string;
  updatedAt?: string;
  displayName?: string;
  contentTypes?: ContentType[];
  filter?: TenantFilterOverride;
}

export async function listTenants(
  deps: Pick<OnboardDeps, 'registry' | 'settingTenants'>,
): Promise<TenantListEntry[]> {
  const rows = await deps.registry.list();
  const out: TenantListEntry[] = deps.settingTenants.map((tenantId) => ({
    tenantId,
    origin: 'setting',
    state: 'enabled',
    collected: true,
  }));
  for (const r of rows) {
    const fromSetting = out.find((e) => e.tenantId === r.tenantId);
    if (fromSetting) {
      // A row of a settings tenant holds the operator's latest word on it (`tenants disable`).
      Object.assign(fromSetting, { ...r, origin: 'both', collected: r.state === 'enabled' });
      continue;
    }
    out.push({ ...r, origin: 'registry', collected: r.state === 'enabled' });
  }
  return out;
}

export interface AddTenantInput {
  tenantId: string;
  source: TenantSource;
  displayName?: string;
  contentTypes?: ContentType[];
  filter?: TenantFilterOverride;
  /** Register without the reachability check (and without starting subscriptions). */
  skipCheck?: boolean;
}

export interface AddTenantResult {
  record: TenantRecord;
  created: boolean;
  check?: CheckResult;
  subscriptions?: SubscriptionsOutcome;
  message: string;
}

/**
 * Register a tenant: check it (unless told not to), write its row, start its subscriptions.
 * A tenant that is already registered keeps its state and `addedAt`; the display name and
 * overrides given replace the stored ones. Nothing is written when the check fails.
 */
export async function addTenant(
  deps: OnboardDeps,
  input: AddTenantInput,
  checked?: CheckResult,
): Promise<AddTenantResult> {
  const tenantId = parseTenantId(input.tenantId);
  refuseSettingTenant(deps, tenantId, 'added');
  const now = deps.clock.now().toISOString();
  const existing = await deps.registry.get(tenantId);
  const overrides = {
    ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
    ...(input.contentTypes !== undefined ? { contentTypes: input.contentTypes } : {}),
    ...(input.filter !== undefined ? { filter: input.filter } : {}),
  };
  if (existing && input.source !== 'consent') {
    const record: TenantRecord = { ...existing, ...overrides, updatedAt: now };
    await deps.registry.put(record);
    return {
      record,
      created: false,
      message: `tenant ${tenantId} was already registered (${existing.state}, added ${existing.addedAt} by ${existing.source})`,
    };
  }

  let check = checked;
  if (!input.skipCheck) {
    check ??= await checkTenant(deps, tenantId);
    if (!check.ok)
      throw new TenantOperationError(
        `tenant ${tenantId} is not registered: the app cannot reach it (${check.reason}). Has its admin granted consent?`,
        502,
        tenantId,
      );
  }
  const record: TenantRecord = existing
    ? { ...existing, ...overrides, updatedAt: now }
    : { tenantId, state: 'enabled', source: input.source, addedAt: now, updatedAt: now, ...overrides };
  await deps.registry.put(record);
  deps.logger.info('tenants.registered', {
    tenantId,
    source: input.source,
    created: !existing,
    state: record.state,
  });
  const subscriptions =
    check?.ok && record.state === 'enabled'
      ? await startTenantSubscriptions(
          deps,
          tenantId,
          record.contentTypes ?? deps.contentTypes,
          check.subscriptions,
        )
      : undefined;
  return {
    record,
    created: !existing,
    ...(check ? { check } : {}),
    ...(subscriptions ? { subscriptions } : {}),
    message: existing
      ? `tenant ${tenantId} was already registered (${existing.state}); consent confirmed`
      : `tenant ${tenantId} registered and enabled`,
  };
}

export interface RemoveTenantResult {
  record: TenantRecord;
  subscriptions?: { stopped: ContentType[]; failed: Array<{ contentType: ContentType; error: string }> };
  message: string;
}

/**
 * Delete a tenant's row (its checkpoints, ledger and output stay). With `stopSubscriptions` its
 * subscriptions are stopped too; a stop that fails is reported, the row is deleted regardless.
 */
export async function removeTenant(
  deps: OnboardDeps,
  id: string,
  options: { stopSubscriptions?: boolean } = {},
): Promise<RemoveTenantResult> {
  const tenantId = parseTenantId(id);
  refuseSettingTenant(deps, tenantId, 'removed', ', or disable it (`tenants disable`)');
  const record = await deps.registry.get(tenantId);
  if (!record || !(await deps.registry.remove(tenantId)))
    throw new TenantOperationError(`tenant ${tenantId} is not registered`, 404, tenantId);
  deps.logger.info('tenants.removed', { tenantId, stopSubscriptions: options.stopSubscriptions === true });
  if (!options.stopSubscriptions) return { record, message: `tenant ${tenantId} removed` };
  const subscriptions = await stopTenantSubscriptions(
    deps,
    tenantId,
    record.contentTypes ?? deps.contentTypes,
  );
  const failed = subscriptions.failed.map((f) => `${f.contentType}: ${f.error}`).join('; ');
  return {
    record,
    subscriptions,
    message:
      subscriptions.failed.length === 0
        ? `tenant ${tenantId} removed; subscriptions stopped: ${subscriptions.stopped.join(', ')}`
        : `tenant ${tenantId} removed; subscriptions that could not be stopped: ${failed}`,
  };
}

/**
 * Enable or disable a tenant: a disabled one keeps its row and data but is not collected. A tenant
 * of the settings can be disabled too (a registry row then holds its state, and wins over the
 * setting), so an operator can pause it without a redeployment.
 */
export async function setTenantState(
  deps: OnboardDeps,
  id: string,
  state: TenantState,
  source: TenantSource = 'cli',
): Promise<{ record?: TenantRecord; changed: boolean; message: string }> {
  const tenantId = parseTenantId(id);
  const fromSettings = deps.settingTenants.includes(tenantId);
  const existing = await deps.registry.get(tenantId);
  const now = deps.clock.now().toISOString();
  if (!existing) {
    if (!fromSettings) throw new TenantOperationError(`tenant ${tenantId} is not registered`, 404, tenantId);
    if (state === 'enabled')
      return { changed: false, message: `tenant ${tenantId} was already enabled (from the settings)` };
  }
  if (existing?.state === state)
    return { record: existing, changed: false, message: `tenant ${tenantId} was already ${state}` };
  const record: TenantRecord = existing
    ? { ...existing, state, updatedAt: now }
    : { tenantId, state, source, addedAt: now, updatedAt: now };
  await deps.registry.put(record);
  deps.logger.info('tenants.state_changed', { tenantId, state, fromSettings });
  return {
    record,
    changed: true,
    message: `tenant ${tenantId} ${state}${fromSettings ? ' (it is in the settings; the registry row decides)' : ''}`,
  };
}
