/**
 * The tenant registry: the tenants onboarded while the app runs (admin consent, `tenants add`,
 * `POST /api/tenants/{id}`), one row each in the table named by O365_TENANT_TABLE (default
 * `o365tenants`): PartitionKey `tenant`, RowKey = the lower-case tenant id. The collected set is
 * the tenants of the settings plus the registry's `enabled` rows; see docs/multi-tenant.md.
 *
 * Optional columns override settings for one tenant: `contentTypes` (CSV, like
 * O365_CONTENT_TYPES) and `filterOperations` / `filterStatuses` / `filterPolicies` (CSV) /
 * `filterMode`, each replacing the setting of the same name when present.
 */
import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import type { FilterMode } from '../config.js';
import { CONTENT_TYPES, type ContentType } from '../content-types.js';
import { PipelineError } from '../errors.js';
import { stderrLogger, type Logger } from '../logger.js';
import { storageStatus } from '../storage/clients.js';
import { isTenantId } from './tenant-id.js';

export type TenantState = 'enabled' | 'disabled';
export type TenantSource = 'consent' | 'cli' | 'http';

/** Per-tenant filter override: each field present replaces the setting of the same name. */
export interface TenantFilterOverride {
  operations?: string[];
  statuses?: string[];
  policies?: string[];
  mode?: FilterMode;
}

export interface TenantRecord {
  /** Lower-case GUID. */
  tenantId: string;
  state: TenantState;
  source: TenantSource;
  /** ISO-8601 UTC. */
  addedAt: string;
  updatedAt: string;
  displayName?: string;
  /** Optional per-tenant override of O365_CONTENT_TYPES. */
  contentTypes?: ContentType[];
  /** Optional per-tenant override of the O365_FILTER_* settings. */
  filter?: TenantFilterOverride;
}

export interface TenantRegistry {
  /** Every valid row, sorted by tenant id. A malformed row is logged and left out. */
  list(): Promise<TenantRecord[]>;
  /** The row of one tenant; a malformed row throws `TenantRegistryError` naming it. */
  get(tenantId: string): Promise<TenantRecord | undefined>;
  /** Create or replace the row of `record.tenantId` (validated first). */
  put(record: TenantRecord): Promise<void>;
  /** Delete the row; false when there was none. */
  remove(tenantId: string): Promise<boolean>;
}

/** A row of the registry that is not a valid tenant record, or a record refused by `put`. */
export class TenantRegistryError extends PipelineError {
  constructor(message: string, tenantId?: string) {
    super(message, { retryable: false, tenantId });
  }
}

export const TENANT_PARTITION = 'tenant';

const iso = z.iso.datetime({ offset: true, error: 'is not an ISO-8601 date-time' });
const list = z.array(z.string().trim().min(1).max(256)).max(1000);

const recordSchema = z.strictObject({
  tenantId: z.string().refine((v) => isTenantId(v) && v === v.toLowerCase(), {
    error: 'is not a lower-case GUID',
  }),
  state: z.enum(['enabled', 'disabled']),
  source: z.enum(['consent', 'cli', 'http']),
  addedAt: iso,
  updatedAt: iso,
  displayName: z.string().max(256).optional(),
  contentTypes: z.array(z.enum(CONTENT_TYPES)).min(1).optional(),
  filter: z
    .strictObject({
      operations: list.optional(),
      statuses: list.optional(),
      policies: list.optional(),
      mode: z.enum(['exclude', 'include']).optional(),
    })
    .optional(),
});

function problemsOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'record'} ${i.message}`).join('; ');
}

/** Validate a record before it is stored (both implementations, so tests of either catch bugs). */
export function validateTenantRecord(record: TenantRecord): TenantRecord {
  const r = recordSchema.safeParse(record);
  if (!r.success)
    throw new TenantRegistryError(`not a valid tenant record: ${problemsOf(r.error)}`, record.tenantId);
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// Table storage
// ---------------------------------------------------------------------------------------------

interface TenantEntity {
  partitionKey: string;
  rowKey: string;
  state?: unknown;
  source?: unknown;
  addedAt?: unknown;
  updatedAt?: unknown;
  displayName?: unknown;
  contentTypes?: unknown;
  filterOperations?: unknown;
  filterStatuses?: unknown;
  filterPolicies?: unknown;
  filterMode?: unknown;
}

const csvOut = (v: readonly string[] | undefined) => (v === undefined ? undefined : v.join(','));
const csvIn = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : v;

function toEntity(r: TenantRecord): TenantEntity {
  return {
    partitionKey: TENANT_PARTITION,
    rowKey: r.tenantId,
    state: r.state,
    source: r.source,
    addedAt: r.addedAt,
    updatedAt: r.updatedAt,
    displayName: r.displayName,
    contentTypes: csvOut(r.contentTypes),
    filterOperations: csvOut(r.filter?.operations),
    filterStatuses: csvOut(r.filter?.statuses),
    filterPolicies: csvOut(r.filter?.policies),
    filterMode: r.filter?.mode,
  };
}

/** A row as a record, or the reason it is not one (a row edited by hand, a newer schema). */
function fromEntity(e: TenantEntity): { record: TenantRecord } | { problem: string } {
  const filter = Object.fromEntries(
    Object.entries({
      operations: csvIn(e.filterOperations),
      statuses: csvIn(e.filterStatuses),
      policies: csvIn(e.filterPolicies),
      mode: e.filterMode,
    }).filter(([, v]) => v !== undefined && v !== null),
  );
  const candidate = Object.fromEntries(
    Object.entries({
      tenantId: e.rowKey,
      state: e.state,
      source: e.source,
      addedAt: e.addedAt,
      updatedAt: e.updatedAt,
      displayName: e.displayName,
      contentTypes: csvIn(e.contentTypes),
      filter: Object.keys(filter).length > 0 ? filter : undefined,
    }).filter(([, v]) => v !== undefined && v !== null),
  );
  const r = recordSchema.safeParse(candidate);
  return r.success ? { record: r.data } : { problem: problemsOf(r.error) };
}

const byId = (a: TenantRecord, b: TenantRecord) => (a.tenantId < b.tenantId ? -1 : 1);
const key = (tenantId: string) => tenantId.trim().toLowerCase();

export interface TableTenantRegistryOptions {
  /** Where malformed rows are reported (`tenants.registry_row_invalid`). Default: stderr. */
  logger?: Logger;
}

export function tableTenantRegistry(
  client: TableClient,
  options: TableTenantRegistryOptions = {},
): TenantRegistry {
  const logger = options.logger ?? stderrLogger();
  const table = client.tableName;
  return {
    async list() {
      const out: TenantRecord[] = [];
      const filter = `PartitionKey eq '${TENANT_PARTITION}'`;
      for await (const e of client.listEntities<TenantEntity>({ queryOptions: { filter } })) {
        const r = fromEntity(e);
        if ('record' in r) out.push(r.record);
        else logger.warn('tenants.registry_row_invalid', { table, rowKey: e.rowKey, problem: r.problem });
      }
      return out.sort(byId);
    },
    async get(tenantId) {
      let e: TenantEntity;
      try {
        e = await client.getEntity<TenantEntity>(TENANT_PARTITION, key(tenantId));
      } catch (err) {
        if (storageStatus(err) === 404) return undefined;
        throw err;
      }
      const r = fromEntity(e);
      if ('record' in r) return r.record;
      throw new TenantRegistryError(
        `row ${e.rowKey} of table ${table} is not a valid tenant record (${r.problem}); add the tenant again to replace it, or remove it`,
        e.rowKey,
      );
    },
    async put(record) {
      await client.upsertEntity(toEntity(validateTenantRecord(record)), 'Replace');
    },
    async remove(tenantId) {
      try {
        await client.deleteEntity(TENANT_PARTITION, key(tenantId));
        return true;
      } catch (err) {
        if (storageStatus(err) === 404) return false;
        throw err;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// In memory (tests, and the local runner's simulated tenants)
// ---------------------------------------------------------------------------------------------

export function memoryTenantRegistry(initial: readonly TenantRecord[] = []): TenantRegistry {
  const rows = new Map<string, TenantRecord>();
  // Copies in and out, as a table would: a caller mutating a record does not change the store.
  const copy = (r: TenantRecord): TenantRecord => structuredClone(r);
  for (const r of initial) rows.set(r.tenantId, copy(validateTenantRecord(r)));
  return {
    list: () => Promise.resolve([...rows.values()].map(copy).sort(byId)),
    get: (tenantId) => {
      const r = rows.get(key(tenantId));
      return Promise.resolve(r && copy(r));
    },
    put: async (record) => {
      await Promise.resolve();
      rows.set(record.tenantId, copy(validateTenantRecord(record)));
    },
    remove: (tenantId) => Promise.resolve(rows.delete(key(tenantId))),
  };
}
