/**
 * Duplicate records are by design in the Management Activity API (reference §5): the same `Id`
 * can appear twice in one blob. Within a blob we keep the first occurrence. Ids are GUIDs, so the
 * comparison ignores case and surrounding blanks. A record without a usable `Id` is never treated
 * as a duplicate: dropping it could lose an event, keeping it at worst duplicates one line.
 * Memory is one Set of Ids per blob (blobs hold at most a few thousand records).
 */
import type { AuditRecord } from './parse.js';

export interface RecordDeduper {
  /** True when a record with the same Id was already seen; otherwise remembers this one's Id. */
  seen(record: AuditRecord): boolean;
  /** Distinct Ids seen so far. */
  readonly size: number;
}

export function dedupeKey(record: AuditRecord): string | undefined {
  const id = record.Id;
  if (typeof id !== 'string') return undefined;
  const key = id.trim().toLowerCase();
  return key === '' ? undefined : key;
}

export function createDeduper(): RecordDeduper {
  const seen = new Set<string>();
  return {
    seen(record) {
      const key = dedupeKey(record);
      if (key === undefined) return false;
      if (seen.has(key)) return true;
      seen.add(key);
      return false;
    },
    get size() {
      return seen.size;
    },
  };
}
