/**
 * Event-Id claims: the Management Activity API serves the same record `Id` in more than one content
 * blob, sometimes days apart (reference §5), so dedupe within a blob is not enough. Each record Id
 * is claimed once in a table (PartitionKey = tenant + hour of the record's CreationTime, RowKey =
 * the Id lower-cased, `owner` = contentId). A table insert is atomic, so of two blobs carrying the
 * same Id exactly one owns it, even when they are processed at the same time. The owner writes the
 * record every time it is (re)processed, so reprocessing a blob still yields identical bytes; any
 * other blob skips it.
 *
 * A duplicate carries the same CreationTime as the original, so it lands in the same partition; a
 * record without a usable Id or CreationTime is never deduped across blobs (dropping it could lose
 * an event, keeping it at worst duplicates one line).
 */
import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { readTime } from '../processor/fields.js';
import type { AuditRecord } from '../processor/parse.js';
import { storageStatus } from './clients.js';
import { insertRows, TransactionError, type StringRow } from './table-batch.js';

const HOUR_MS = 3_600_000;
/**
 * Claims are kept as long as a duplicate can still arrive: Microsoft has re-delivered events 5 days
 * old; 10 days leaves margin (content itself is only listable for 7).
 */
export const CLAIM_RETENTION_MS = 10 * 24 * HOUR_MS;
/** Entity group transactions take at most 100 actions, all in one partition. */
const TRANSACTION_MAX = 100;
/** Azure Table filters allow at most 15 comparisons: PartitionKey eq + 14 RowKeys. */
const ROWKEYS_PER_QUERY = 14;
/** Rounds of insert → 409 → read when another writer keeps racing us (it cannot, for long: rows are only added). */
const MAX_ROUNDS = 5;
/** Conflicts per transaction resolved one Id at a time before the owners of the rest are read. */
const MAX_SINGLE_CONFLICTS = 3;

export interface ClaimOwner {
  tenantId: string;
  contentId: string;
  contentCreated: string;
}

export interface ClaimSession {
  /**
   * For each record, in order: true when this content owns its Id (claimed now, or by an earlier
   * processing of the same content) or the record cannot be deduped; false when another content
   * blob owns it.
   */
  claim(records: readonly AuditRecord[]): Promise<boolean[]>;
  /** The same for keys already computed with `claimKey` (the processor has them at hand). */
  claimKeys(keys: readonly ClaimKey[]): Promise<boolean[]>;
  /**
   * Give back the Ids this content owns in the partitions this session touched, after the content
   * failed for good: another blob carrying the same Ids can then write them. Returns rows deleted.
   */
  release(): Promise<number>;
}

export interface EventIdClaims {
  /** One session per processing attempt of one content blob. */
  session(owner: ClaimOwner): ClaimSession;
  /** Delete claims of hours older than the retention, at most `max` rows; returns how many. */
  cleanup(tenantId: string, now: Date, max: number): Promise<number>;
}

interface ClaimEntity {
  partitionKey: string;
  rowKey: string;
  owner: string;
  contentCreated: string;
}

export interface ClaimKey {
  partitionKey: string;
  rowKey: string;
}

function quote(v: string): string {
  return `'${v.replaceAll("'", "''")}'`;
}

function hourStamp(iso: string): string {
  return iso.slice(0, 13).replace(/[-T]/g, '');
}

export function claimPartition(tenantId: string, time: Date | string): string {
  const iso = typeof time === 'string' ? time : time.toISOString();
  return `${tenantId}_${hourStamp(iso)}`;
}

/**
 * The claim key of a record, or undefined when it cannot be deduped across blobs. RowKeys refuse
 * `/ \ # ?` and control characters; real Ids are GUIDs, anything else is hashed rather than trusted.
 */
export function claimKey(tenantId: string, record: AuditRecord): ClaimKey | undefined {
  const id = typeof record.Id === 'string' ? record.Id.trim().toLowerCase() : '';
  if (id === '') return undefined;
  const time = readTime(record.CreationTime);
  if (!time.ok || time.value === null) return undefined;
  const rowKey = /^[0-9a-z._-]{1,200}$/.test(id)
    ? id
    : `sha256-${createHash('sha256').update(id, 'utf8').digest('hex')}`;
  return { partitionKey: claimPartition(tenantId, time.value), rowKey };
}

export function tableEventIdClaims(table: TableClient): EventIdClaims {
  /** Existing owners of some RowKeys of one partition (a few 15-comparison queries, in parallel). */
  async function owners(partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const chunks: string[][] = [];
    for (let i = 0; i < rowKeys.length; i += ROWKEYS_PER_QUERY)
      chunks.push(rowKeys.slice(i, i + ROWKEYS_PER_QUERY));
    await Promise.all(
      chunks.map(async (chunk) => {
        const keys = chunk.map((k) => `RowKey eq ${quote(k)}`).join(' or ');
        const filter = `PartitionKey eq ${quote(partitionKey)} and (${keys})`;
        for await (const e of table.listEntities<ClaimEntity>({
          queryOptions: { filter, select: ['RowKey', 'owner'] },
        })) {
          found.set(e.rowKey, e.owner);
        }
      }),
    );
    return found;
  }

  /** The owner of one RowKey, or undefined when there is no such row (any more). */
  async function ownerOf(partitionKey: string, rowKey: string): Promise<string | undefined> {
    try {
      const e = await table.getEntity<ClaimEntity>(partitionKey, rowKey, {
        queryOptions: { select: ['owner'] },
      });
      return e.owner;
    } catch (err) {
      if (storageStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Insert-if-absent for one partition; returns the RowKeys this owner holds afterwards.
   *
   * A transaction is all or nothing, and the service names the first action that failed. An Id
   * another blob owns (the API re-delivered a record) is usually alone in its transaction: it is
   * dropped and the rest sent again. When the Id is this content's own (a retry or a reprocess,
   * where all of them are), or after a few such conflicts, the owners of the rest are read instead.
   */
  async function claimPartitionKeys(
    owner: ClaimOwner,
    partitionKey: string,
    rowKeys: readonly string[],
  ): Promise<Set<string>> {
    const held = new Set<string>();
    const row = (rowKey: string): StringRow => ({
      partitionKey,
      rowKey,
      owner: owner.contentId,
      contentCreated: owner.contentCreated,
    });
    let pending = [...rowKeys];
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) {
        throw new Error(`event-id claims in ${partitionKey} kept conflicting after ${MAX_ROUNDS} rounds`);
      }
      /** Exist (or may): their owners are read below. */
      const unknown: string[] = [];
      for (let i = 0; i < pending.length; i += TRANSACTION_MAX) {
        let chunk = pending.slice(i, i + TRANSACTION_MAX);
        for (let singles = 0; chunk.length > 0;) {
          try {
            await insertRows(table, chunk.map(row));
            for (const k of chunk) held.add(k);
            break;
          } catch (err) {
            if (storageStatus(err) !== 409) throw err;
            const at = err instanceof TransactionError ? err.failedIndex : undefined;
            const key = at === undefined ? undefined : chunk[at];
            if (key === undefined || singles >= MAX_SINGLE_CONFLICTS) {
              unknown.push(...chunk);
              break;
            }
            singles += 1;
            const current = await ownerOf(partitionKey, key);
            const rest = chunk.filter((_, j) => j !== at);
            if (current === owner.contentId) {
              held.add(key);
              unknown.push(...rest);
              break;
            }
            // Gone again (released meanwhile): it is tried once more in the next round.
            if (current === undefined) unknown.push(key);
            chunk = rest;
          }
        }
      }
      if (unknown.length === 0) break;
      const existing = await owners(partitionKey, unknown);
      pending = [];
      for (const k of unknown) {
        const o = existing.get(k);
        if (o === undefined) pending.push(k);
        else if (o === owner.contentId) held.add(k);
      }
    }
    return held;
  }

  return {
    session(owner) {
      const touched = new Set<string>();
      async function claimKeys(keys: readonly ClaimKey[]): Promise<boolean[]> {
        const byPartition = new Map<string, Set<string>>();
        for (const k of keys) {
          const set = byPartition.get(k.partitionKey) ?? new Set<string>();
          set.add(k.rowKey);
          byPartition.set(k.partitionKey, set);
        }
        const held = new Map<string, Set<string>>();
        await Promise.all(
          [...byPartition].map(async ([pk, rowKeys]) => {
            touched.add(pk);
            held.set(pk, await claimPartitionKeys(owner, pk, [...rowKeys]));
          }),
        );
        return keys.map((k) => held.get(k.partitionKey)?.has(k.rowKey) ?? false);
      }
      return {
        claimKeys,

        async claim(records) {
          const keys = records.map((r) => claimKey(owner.tenantId, r));
          const answers = await claimKeys(keys.filter((k) => k !== undefined));
          let i = 0;
          return keys.map((k) => !k || answers[i++]!);
        },

        async release() {
          let deleted = 0;
          for (const pk of touched) {
            const filter = `PartitionKey eq ${quote(pk)} and owner eq ${quote(owner.contentId)}`;
            const actions: TransactionAction[] = [];
            for await (const e of table.listEntities<ClaimEntity>({
              queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
            })) {
              actions.push(['delete', { partitionKey: pk, rowKey: e.rowKey }]);
            }
            for (let i = 0; i < actions.length; i += TRANSACTION_MAX) {
              const chunk = actions.slice(i, i + TRANSACTION_MAX);
              await table.submitTransaction(chunk);
              deleted += chunk.length;
            }
          }
          return deleted;
        },
      };
    },

    async cleanup(tenantId, now, max) {
      const lower = `${tenantId}_`;
      const upper = claimPartition(tenantId, new Date(now.getTime() - CLAIM_RETENTION_MS));
      const filter = `PartitionKey ge ${quote(lower)} and PartitionKey lt ${quote(upper)}`;
      const batches = new Map<string, TransactionAction[]>();
      let selected = 0;
      for await (const e of table.listEntities<ClaimEntity>({
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
        for (let i = 0; i < actions.length; i += TRANSACTION_MAX) {
          const chunk = actions.slice(i, i + TRANSACTION_MAX);
          await table.submitTransaction(chunk);
          deleted += chunk.length;
        }
      }
      return deleted;
    },
  };
}
