/**
 * Checkpoints in Table storage: PartitionKey = tenant id, RowKey = content type. Written only with
 * the etag that was read (optimistic concurrency): two enumerators cannot lose a window, and the
 * loser of a race re-reads instead of overwriting.
 */
import type { TableClient } from '@azure/data-tables';
import type { ContentType } from '../content-types.js';
import { storageStatus } from './clients.js';
import type { Checkpoint, CheckpointStore, VersionedCheckpoint } from './types.js';

interface CheckpointEntity {
  partitionKey: string;
  rowKey: string;
  listedThrough?: string;
  lastRunAt?: string;
  lastRunStatus?: string;
  lastError?: string;
  lostWindowsCount?: number;
  lostWindowsMinutes?: number;
  lostWindowsLastStart?: string;
  lostWindowsLastEnd?: string;
  lastSubscribeAttemptAt?: string;
}

function toEntity(c: Checkpoint): CheckpointEntity {
  return {
    partitionKey: c.tenantId,
    rowKey: c.contentType,
    listedThrough: c.listedThrough,
    lastRunAt: c.lastRunAt,
    lastRunStatus: c.lastRunStatus,
    // Table properties are limited to 64 KiB; an error message never needs more than this.
    lastError: c.lastError?.slice(0, 2000),
    lostWindowsCount: c.lostWindows.count,
    lostWindowsMinutes: c.lostWindows.minutes,
    lostWindowsLastStart: c.lostWindows.lastStart,
    lostWindowsLastEnd: c.lostWindows.lastEnd,
    lastSubscribeAttemptAt: c.lastSubscribeAttemptAt,
  };
}

function fromEntity(e: CheckpointEntity): Checkpoint {
  return {
    tenantId: e.partitionKey,
    contentType: e.rowKey as ContentType,
    listedThrough: e.listedThrough,
    lastRunAt: e.lastRunAt,
    lastRunStatus: e.lastRunStatus,
    lastError: e.lastError,
    lostWindows: {
      count: e.lostWindowsCount ?? 0,
      minutes: e.lostWindowsMinutes ?? 0,
      lastStart: e.lostWindowsLastStart,
      lastEnd: e.lostWindowsLastEnd,
    },
    lastSubscribeAttemptAt: e.lastSubscribeAttemptAt,
  };
}

export function emptyCheckpoint(tenantId: string, contentType: ContentType): Checkpoint {
  return { tenantId, contentType, lostWindows: { count: 0, minutes: 0 } };
}

export function tableCheckpointStore(table: TableClient): CheckpointStore {
  return {
    async read(tenantId, contentType): Promise<VersionedCheckpoint> {
      try {
        const e = await table.getEntity<CheckpointEntity>(tenantId, contentType);
        return { checkpoint: fromEntity(e), etag: e.etag };
      } catch (err) {
        if (storageStatus(err) === 404) return { checkpoint: emptyCheckpoint(tenantId, contentType) };
        throw err;
      }
    },
    async write(checkpoint, etag) {
      const entity = toEntity(checkpoint);
      try {
        const r =
          etag === undefined
            ? await table.createEntity(entity)
            : await table.updateEntity(entity, 'Replace', { etag });
        return r.etag;
      } catch (err) {
        const status = storageStatus(err);
        if (status === 412 || status === 409) return undefined;
        throw err;
      }
    },
    async list(tenantId) {
      const out: Checkpoint[] = [];
      const filter = `PartitionKey eq '${tenantId.replaceAll("'", "''")}'`;
      for await (const e of table.listEntities<CheckpointEntity>({ queryOptions: { filter } }))
        out.push(fromEntity(e));
      return out;
    },
  };
}
