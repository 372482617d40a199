/**
 * `status` on a ledger with 100,000 failed rows, each with 2 KB of error text: the memory it holds
 * stays bounded. The table is a stand-in for Azure Tables that builds each row only when the query
 * pages through it and honours `select` the way the service does (unselected columns are not
 * sent), so what the status code keeps alive is what the measurement sees. Retained heap is
 * measured after forced garbage collections, so garbage does not count and nothing here depends on
 * time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { collectStatus } from '../../../shared/ops/status.js';
import type { Runtime } from '../../../shared/runtime.js';
import { tableContentLedger } from '../../../shared/storage/ledger.js';
import { contentKey, ledgerPartition } from '../../../shared/storage/names.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TENANT = '11111111-2222-3333-4444-555555555555';
const NOW = new Date('2026-11-20T12:00:00Z');
const ROWS = 100_000;
const ERROR_BYTES = 2_000;

/** Retained heap in MB, sampled every 5,000 rows while the query pages. */
class HeapProbe {
  private baseline = 0;
  peakMb = 0;
  /** From now on growth is measured (what exists now is the baseline). */
  reset(): void {
    gc();
    this.baseline = process.memoryUsage().heapUsed;
  }
  sample(): void {
    gc();
    this.peakMb = Math.max(this.peakMb, (process.memoryUsage().heapUsed - this.baseline) / 1048576);
  }
}

/** The small per-row facts, computed once (before any measurement) so paging stays cheap. */
const META = Array.from({ length: ROWS }, (_, i) => {
  const created = new Date(NOW.getTime() - 15 * 86_400_000 + Math.floor((i * 86_400_000 * 15) / ROWS));
  const contentId = `content-${i}`;
  return {
    partitionKey: ledgerPartition(TENANT, 'Audit.General', created),
    rowKey: contentKey(contentId),
    contentId,
    contentCreated: created.toISOString(),
    contentExpiration: new Date(created.getTime() + 7 * 86_400_000).toISOString(),
    updatedAt: new Date(created.getTime() + (i % 997) * 1000).toISOString(),
  };
});

/** Row `i` as the service sends it: a new object, with its own 2 KB of error text when asked for. */
const row = (i: number, withError = true) => ({
  ...META[i]!,
  tenantId: TENANT,
  contentType: 'Audit.General',
  contentUri: `https://manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/${META[i]!.contentId}`,
  state: 'failed',
  attempts: 5,
  ...(withError
    ? { lastError: `${i}: ${'upstream said no. '.repeat(ERROR_BYTES / 18)}`.slice(0, ERROR_BYTES) }
    : {}),
});

function fakeTable(probe: HeapProbe): TableClient {
  // Where each row is, so a point read does not scan (built before the measurement starts).
  const byKey = new Map(META.map((m, i) => [`${m.partitionKey}|${m.rowKey}`, i]));
  const project = (r: Record<string, unknown>, select: string[] | undefined) => {
    if (!select) return r;
    const keep = new Set(
      select.map((k) => (k === 'PartitionKey' ? 'partitionKey' : k === 'RowKey' ? 'rowKey' : k)),
    );
    return Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k)));
  };
  return {
    listEntities(options?: { queryOptions?: { select?: string[]; filter?: string } }) {
      const select = options?.queryOptions?.select;
      // Every row is failed: a query for expired rows alone finds none.
      const none =
        /state eq 'expired'/.test(options?.queryOptions?.filter ?? '') &&
        !/state eq 'failed'/.test(options?.queryOptions?.filter ?? '');
      return (async function* () {
        for (let i = 0; i < (none ? 0 : ROWS); i++) {
          if (i % 5000 === 0) {
            probe.sample();
            await Promise.resolve(); // a page boundary
          }
          yield project(row(i, !select || select.includes('lastError')), select);
        }
      })();
    },
    getEntity(pk: string, rk: string, options?: { queryOptions?: { select?: string[] } }) {
      const i = byKey.get(`${pk}|${rk}`);
      return i === undefined
        ? Promise.reject(Object.assign(new Error('not found'), { statusCode: 404 }))
        : Promise.resolve(project(row(i), options?.queryOptions?.select));
    },
  } as unknown as TableClient;
}

describe('status memory', () => {
  // Generous: building 200,000 rows is slow on a loaded machine; nothing is asserted about time.
  it(
    'shows the five most recent of 100,000 failed rows holding a bounded amount of memory',
    { timeout: 300_000 },
    async () => {
      const probe = new HeapProbe();
      const table = fakeTable(probe);
      probe.reset();
      const rt = {
        clock: { now: () => NOW },
        config: { tenantId: TENANT, contentTypes: ['Audit.General'] },
        checkpoints: { list: () => Promise.resolve([]) },
        ledger: tableContentLedger(table),
        queue: { depth: () => Promise.resolve({ queue: 0, poison: 0 }) },
      } as unknown as Runtime;

      const report = await collectStatus(rt, 5);
      probe.sample();

      const t = report.contentTypes[0]!;
      expect(t.ledger.failed).toBe(ROWS);
      expect(t.problems).toHaveLength(5);
      // The most recently updated, newest first, with their error text.
      const expected = META.map((m, i) => [i, m.updatedAt] as const)
        .sort((a, b) => b[1].localeCompare(a[1]))
        .slice(0, 5)
        .map(([i]) => `content-${i}`);
      expect(t.problems.map((p) => p.contentId)).toEqual(expected);
      for (const p of t.problems) expect(p.lastError).toMatch(/^\d+: upstream said no/);
      // 100,000 rows with their error text would retain > 200 MB; a bounded read keeps a few MB.
      console.log(`status over ${ROWS} failed rows: peak retained heap ${probe.peakMb.toFixed(1)} MB`);
      expect(probe.peakMb).toBeLessThan(24);
    },
  );
});
