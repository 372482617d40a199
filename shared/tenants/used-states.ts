/**
 * Consent states already used: each signed state registers a tenant at most once, so a
 * redirect URL that leaks (browser history, a proxy log) cannot be replayed to register the
 * tenant again after it was removed. Rows live in the tenant table under their own partition
 * (`consent-state`, RowKey = the state's nonce) until the state expires.
 */
import type { TableClient } from '@azure/data-tables';
import { storageStatus } from '../storage/clients.js';

export interface UsedConsentStates {
  /** Whether the nonce was used already (a read; the decision is `use`). */
  isUsed(nonce: string): Promise<boolean>;
  /** Mark the nonce used; false when another request used it first (atomic). */
  use(nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
}

export const CONSENT_STATE_PARTITION = 'consent-state';
/** Expired rows deleted per `use`: consents are rare, so a few per call keep the partition small. */
const CLEANUP_BATCH = 20;

export function tableUsedConsentStates(client: TableClient): UsedConsentStates {
  return {
    async isUsed(nonce) {
      try {
        await client.getEntity(CONSENT_STATE_PARTITION, nonce);
        return true;
      } catch (err) {
        if (storageStatus(err) === 404) return false;
        throw err;
      }
    },
    async use(nonce, expiresAt, now) {
      try {
        await client.createEntity({
          partitionKey: CONSENT_STATE_PARTITION,
          rowKey: nonce,
          usedAt: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
        });
      } catch (err) {
        if (storageStatus(err) === 409) return false;
        throw err;
      }
      const filter = `PartitionKey eq '${CONSENT_STATE_PARTITION}' and expiresAt lt '${now.toISOString()}'`;
      let deleted = 0;
      for await (const e of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
        await client.deleteEntity(CONSENT_STATE_PARTITION, e.rowKey!).catch((err: unknown) => {
          if (storageStatus(err) !== 404) throw err;
        });
        if (++deleted >= CLEANUP_BATCH) break;
      }
      return true;
    },
  };
}

export function memoryUsedConsentStates(): UsedConsentStates & { size(): number } {
  const rows = new Map<string, number>();
  return {
    isUsed: (nonce) => Promise.resolve(rows.has(nonce)),
    use: (nonce, expiresAt, now) => {
      if (rows.has(nonce)) return Promise.resolve(false);
      rows.set(nonce, expiresAt.getTime());
      for (const [n, exp] of rows) if (exp < now.getTime()) rows.delete(n);
      return Promise.resolve(true);
    },
    size: () => rows.size,
  };
}
