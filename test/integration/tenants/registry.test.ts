/**
 * The tenant registry: one suite run against the table implementation on real Azurite and
 * against the in-memory one, so both keep the same contract; then what only a table can hold
 * (a row edited by hand, rows of another partition).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../shared/logger.js';
import {
  memoryTenantRegistry,
  tableTenantRegistry,
  TenantRegistryError,
  type TenantRecord,
  type TenantRegistry,
} from '../../../shared/tenants/registry.js';
import { testStorage, uniqueName } from '../../helpers/storage.js';

const A = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const B = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const C = 'ffffffff-0000-4000-8000-000000000001';

const record = (tenantId: string, extra: Partial<TenantRecord> = {}): TenantRecord => ({
  tenantId,
  state: 'enabled',
  source: 'cli',
  addedAt: '2026-12-03T20:00:00.000Z',
  updatedAt: '2026-12-03T20:00:00.000Z',
  ...extra,
});

async function tableRegistry() {
  const table = testStorage().table(uniqueName('tenants'));
  await table.createTable();
  const logger = memoryLogger();
  return { table, logger, registry: tableTenantRegistry(table, { logger }) };
}

describe.each([
  ['table (Azurite)', async () => (await tableRegistry()).registry],
  ['memory', () => Promise.resolve(memoryTenantRegistry())],
] as const)('tenant registry: %s', (_name, make) => {
  let registry: TenantRegistry;
  beforeEach(async () => {
    registry = await make();
  });

  it('starts empty; get of an unknown tenant is undefined, remove of one is false', async () => {
    expect(await registry.list()).toEqual([]);
    expect(await registry.get(A)).toBeUndefined();
    expect(await registry.remove(A)).toBe(false);
  });

  it('round-trips a record with every optional column', async () => {
    const full = record(A, {
      source: 'consent',
      displayName: 'Contoso, Ltd.',
      contentTypes: ['Audit.Exchange', 'DLP.All'],
      filter: {
        operations: ['FileAccessed', 'UserLoggedIn'],
        statuses: ['Failed'],
        policies: ['PCI data'],
        mode: 'include',
      },
    });
    await registry.put(full);
    expect(await registry.get(A)).toEqual(full);
    expect(await registry.list()).toEqual([full]);
  });

  it('a record without optional columns comes back without them (no empty lists)', async () => {
    await registry.put(record(B));
    const got = await registry.get(B);
    expect(got).toEqual(record(B));
    expect(Object.keys(got!).sort()).toEqual(['addedAt', 'source', 'state', 'tenantId', 'updatedAt']);
  });

  it('lists by tenant id; put replaces the whole row; get and remove accept either case', async () => {
    await registry.put(record(C));
    await registry.put(record(A, { displayName: 'first' }));
    await registry.put(record(B));
    expect((await registry.list()).map((r) => r.tenantId)).toEqual([A, B, C]);

    await registry.put(record(A, { state: 'disabled', updatedAt: '2026-12-03T21:00:00.000Z' }));
    expect(await registry.get(A.toUpperCase())).toEqual(
      record(A, { state: 'disabled', updatedAt: '2026-12-03T21:00:00.000Z' }),
    );

    expect(await registry.remove(B.toUpperCase())).toBe(true);
    expect(await registry.remove(B)).toBe(false);
    expect((await registry.list()).map((r) => r.tenantId)).toEqual([A, C]);
  });

  it('refuses an invalid record with the reason and stores nothing', async () => {
    const bad: Array<[TenantRecord, RegExp]> = [
      [record(A.toUpperCase()), /tenantId is not a lower-case GUID/],
      [record('not-a-guid'), /tenantId is not a lower-case GUID/],
      [record(A, { state: 'paused' as never }), /state/],
      [record(A, { source: 'email' as never }), /source/],
      [record(A, { addedAt: 'yesterday' }), /addedAt is not an ISO-8601 date-time/],
      [record(A, { contentTypes: ['Audit.Nope' as never] }), /contentTypes/],
      [record(A, { contentTypes: [] }), /contentTypes/],
      [record(A, { filter: { mode: 'sometimes' as never } }), /filter\.mode/],
    ];
    for (const [r, reason] of bad) {
      const err = await registry.put(r).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TenantRegistryError);
      expect((err as Error).message).toMatch(reason);
    }
    expect(await registry.list()).toEqual([]);
  });

  it('hands out copies: changing a returned record does not change the store', async () => {
    await registry.put(record(A, { contentTypes: ['Audit.Exchange'] }));
    const got = (await registry.get(A))!;
    got.state = 'disabled';
    got.contentTypes!.push('DLP.All');
    expect(await registry.get(A)).toEqual(record(A, { contentTypes: ['Audit.Exchange'] }));
  });
});

describe('tenant registry: table rows', () => {
  it('a row edited by hand into an invalid one is left out of list with a warning, and get names it', async () => {
    const { table, logger, registry } = await tableRegistry();
    await registry.put(record(A));
    await table.upsertEntity(
      { partitionKey: 'tenant', rowKey: B, state: 'on', source: 'cli', addedAt: 'x', updatedAt: 'x' },
      'Replace',
    );

    expect((await registry.list()).map((r) => r.tenantId)).toEqual([A]);
    const warning = logger.records.find((r) => r.event === 'tenants.registry_row_invalid');
    expect(warning).toMatchObject({ level: 'warn', rowKey: B, table: table.tableName });
    expect(String(warning?.problem)).toMatch(/state/);

    const err = await registry.get(B).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantRegistryError);
    expect((err as Error).message).toContain(`row ${B} of table ${table.tableName}`);

    // Adding the tenant again repairs the row.
    await registry.put(record(B));
    expect((await registry.list()).map((r) => r.tenantId)).toEqual([A, B]);
  });

  it('rows of other partitions of the table are not tenants', async () => {
    const { table, registry } = await tableRegistry();
    await table.createEntity({ partitionKey: 'consent-state', rowKey: 'abc', expiresAt: 'x' });
    await registry.put(record(C));
    expect((await registry.list()).map((r) => r.tenantId)).toEqual([C]);
  });
});
