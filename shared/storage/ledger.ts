/**
 * The ledger: one row per content blob (PartitionKey = tenant + content type + contentCreated hour,
 * RowKey = hash of contentId). The enumerator inserts rows (never overwrites); the processor
 * merges outcomes. It answers "was window W fully collected?" and feeds `status`.
 */
import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { storageStatus } from './clients.js';
import { contentKey, ledgerPartition, ledgerPrefix } from './names.js';
import type { ContentLedger, LedgerEntry, LedgerProblem, LedgerState } from './types.js';

const REJECTED_PARTITION = 'rejected-messages';
const HOUR_MS = 3_600_000;
const STATES: readonly LedgerState[] = ['enqueued', 'done', 'failed', 'expired'];

type Entity = Omit<LedgerEntry, 'tenantId' | 'contentType'> & {
  partitionKey: string;
  rowKey: string;
  tenantId: string;
  contentType: string;
};

function toEntity(e: LedgerEntry): Entity {
  const entity: Entity = {
    ...e,
    partitionKey: ledgerPartition(e.tenantId, e.contentType, e.contentCreated),
    rowKey: contentKey(e.contentId),
    lastError: e.lastError?.slice(0, 2000),
  };
  // Undefined properties would be written as nulls by some SDK paths; leave them out so a merge keeps old values.
  for (const k of Object.keys(entity) as Array<keyof Entity>) if (entity[k] === undefined) delete entity[k];
  return entity;
}

function fromEntity(e: Entity): LedgerEntry {
  const { partitionKey: _p, rowKey: _r, ...rest } = e as Entity & { etag?: string; timestamp?: string };
  delete (rest as { etag?: string }).etag;
  delete (rest as { timestamp?: string }).timestamp;
  return rest as LedgerEntry;
}

/** A problem row with where it is, so its error text can be read afterwards. */
type Candidate = LedgerProblem & { partitionKey: string; rowKey: string };

/** Insert `p` into `top` (most recent `updatedAt` first), keeping at most `limit` entries. */
function keepMostRecent(top: Candidate[], limit: number, p: Candidate): void {
  if (limit <= 0) return;
  const key = p.updatedAt ?? '';
  if (top.length >= limit && key <= (top[top.length - 1]!.updatedAt ?? '')) return;
  let i = top.length;
  while (i > 0 && (top[i - 1]!.updatedAt ?? '') < key) i--;
  top.splice(i, 0, p);
  if (top.length > limit) top.pop();
}

function quote(v: string): string {
  return `'${v.replaceAll("'", "''")}'`;
}

export function tableContentLedger(table: TableClient): ContentLedger {
  async function* rows(
    tenantId: string,
    contentType: string,
    from: Date,
    to: Date,
    select?: string[],
    extraFilter?: string,
  ) {
    const lo = ledgerPartition(tenantId, contentType, from);
    const hi = ledgerPartition(tenantId, contentType, new Date(to.getTime() + HOUR_MS - 1));
    const filter = `PartitionKey ge ${quote(lo)} and PartitionKey le ${quote(hi)}${extraFilter ? ` and ${extraFilter}` : ''}`;
    for await (const e of table.listEntities<Entity>({ queryOptions: { filter, select } })) {
      const created = Date.parse(e.contentCreated);
      if (created >= from.getTime() && created < to.getTime()) yield e;
    }
  }

  return {
    async known(tenantId, contentType, items) {
      if (items.length === 0) return new Set();
      const wanted = new Map(items.map((i) => [contentKey(i.contentId), i.contentId]));
      const byPartition = new Set(items.map((i) => ledgerPartition(tenantId, contentType, i.contentCreated)));
      const found = new Set<string>();
      // One range query per hour partition (a window of 4 h = 4 queries), not one read per blob.
      for (const pk of byPartition) {
        for await (const e of table.listEntities<{ rowKey: string }>({
          queryOptions: { filter: `PartitionKey eq ${quote(pk)}`, select: ['RowKey'] },
        })) {
          const id = wanted.get(e.rowKey);
          if (id !== undefined) found.add(id);
        }
      }
      return found;
    },

    async recordEnqueued(entry) {
      try {
        await table.createEntity(toEntity({ ...entry, state: 'enqueued', attempts: 0 }));
        return true;
      } catch (err) {
        if (storageStatus(err) === 409) return false;
        throw err;
      }
    },

    async get(tenantId, contentType, contentId, contentCreated) {
      try {
        const e = await table.getEntity<Entity>(
          ledgerPartition(tenantId, contentType, contentCreated),
          contentKey(contentId),
        );
        return fromEntity(e);
      } catch (err) {
        if (storageStatus(err) === 404) return undefined;
        throw err;
      }
    },

    async recordOutcome(entry) {
      await table.upsertEntity(toEntity(entry), 'Merge');
    },

    async countByState(tenantId, contentType, from, to) {
      const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<LedgerState, number>;
      for await (const e of rows(tenantId, contentType, from, to, ['state', 'contentCreated'])) {
        if (STATES.includes(e.state)) counts[e.state] += 1;
      }
      return counts;
    },

    async entries(tenantId, contentType, from, to, state) {
      const out: LedgerEntry[] = [];
      for await (const e of rows(
        tenantId,
        contentType,
        from,
        to,
        undefined,
        state ? `state eq ${quote(state)}` : undefined,
      )) {
        out.push(fromEntity(e));
      }
      return out;
    },

    async recentProblems(tenantId, contentType, from, to, limit) {
      // Streamed with a few small columns, keeping only the `limit` most recent: a bad day can
      // leave 100,000 failed rows with 2 KB of error text each, and status shows five of them.
      // The error text is then read for those few alone.
      const top: Candidate[] = [];
      for await (const e of rows(
        tenantId,
        contentType,
        from,
        to,
        ['PartitionKey', 'RowKey', 'contentId', 'state', 'contentCreated', 'updatedAt'],
        `(state eq 'failed' or state eq 'expired')`,
      )) {
        if (e.state !== 'failed' && e.state !== 'expired') continue;
        keepMostRecent(top, limit, {
          contentId: e.contentId,
          state: e.state,
          contentCreated: e.contentCreated,
          updatedAt: e.updatedAt,
          partitionKey: e.partitionKey,
          rowKey: e.rowKey,
        });
      }
      return Promise.all(
        top.map(async ({ partitionKey, rowKey, ...p }) => {
          const row = await table
            .getEntity<{ lastError?: string }>(partitionKey, rowKey, {
              queryOptions: { select: ['lastError'] },
            })
            .catch((err: unknown) => {
              if (storageStatus(err) === 404) return undefined; // cleaned up meanwhile
              throw err;
            });
          return row?.lastError === undefined ? p : { ...p, lastError: row.lastError };
        }),
      );
    },

    async cleanup(tenantId, contentType, now, max) {
      // Rows past contentExpiration + 1 day. contentExpiration is read, never derived (7 d in the
      // docs, 14 d observed), so the scan covers every partition older than 7 days and checks it.
      const prefix = ledgerPrefix(tenantId, contentType);
      const upper = ledgerPartition(tenantId, contentType, new Date(now.getTime() - 8 * 24 * HOUR_MS));
      const cutoff = new Date(now.getTime() - 24 * HOUR_MS).toISOString();
      const filter = `PartitionKey ge ${quote(prefix)} and PartitionKey lt ${quote(upper)} and contentExpiration lt ${quote(cutoff)}`;
      const batches = new Map<string, TransactionAction[]>();
      let selected = 0;
      for await (const e of table.listEntities<Entity>({
        queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
      })) {
        if (selected >= max) break;
        const list = batches.get(e.partitionKey) ?? [];
        list.push(['delete', { partitionKey: e.partitionKey, rowKey: e.rowKey }]);
        batches.set(e.partitionKey, list);
        selected += 1;
      }
      let deleted = 0;
      for (const actions of batches.values()) {
        for (let i = 0; i < actions.length; i += 100) {
          const chunk = actions.slice(i, i + 100);
          await table.submitTransaction(chunk);
          deleted += chunk.length;
        }
      }
      return deleted;
    },

    async recordRejectedMessage(reason, raw, at) {
      const rowKey = `${String(9_999_999_999_999 - at.getTime()).padStart(13, '0')}-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
      await table.upsertEntity(
        {
          partitionKey: REJECTED_PARTITION,
          rowKey,
          reason: reason.slice(0, 2000),
          raw: raw.slice(0, 4000),
          at: at.toISOString(),
        },
        'Replace',
      );
    },

    async rejectedMessages(limit) {
      const out: Array<{ reason: string; raw: string; at: string }> = [];
      const iter = table.listEntities<{ reason: string; raw: string; at: string }>({
        queryOptions: { filter: `PartitionKey eq ${quote(REJECTED_PARTITION)}` },
      });
      for await (const e of iter) {
        out.push({ reason: e.reason, raw: e.raw, at: e.at });
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}
