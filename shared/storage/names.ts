/**
 * Deterministic names: one blob-name function and one ledger-key function, used by the processor,
 * the CLI and the tests alike. The output blob name is a pure function of (tenant, content type,
 * contentId, contentCreated), so processing a blob twice overwrites the same blob.
 */
import { createHash } from 'node:crypto';

/** Hex SHA-256 of the contentId: contentIds hold `$` and can be long; keys must be table-safe. */
export function contentKey(contentId: string): string {
  return createHash('sha256').update(contentId, 'utf8').digest('hex');
}

function hourParts(contentCreated: string): { date: string; hour: string; compact: string } {
  const t = new Date(contentCreated);
  if (Number.isNaN(t.getTime())) throw new Error(`contentCreated is not a date: ${contentCreated}`);
  const iso = t.toISOString();
  const date = iso.slice(0, 10);
  const hour = iso.slice(11, 13);
  return { date, hour, compact: `${date.replaceAll('-', '')}${hour}` };
}

export function outputBlobName(
  tenantId: string,
  contentType: string,
  contentId: string,
  contentCreated: string,
): string {
  const { date, hour } = hourParts(contentCreated);
  return `tenant=${tenantId}/contentType=${contentType}/date=${date}/hour=${hour}/${contentKey(contentId)}.ndjson.gz`;
}

/** Ledger PartitionKey: tenant + content type + contentCreated hour, so a window maps to a few partitions. */
export function ledgerPartition(
  tenantId: string,
  contentType: string,
  contentCreated: string | Date,
): string {
  const created = typeof contentCreated === 'string' ? contentCreated : contentCreated.toISOString();
  return `${ledgerPrefix(tenantId, contentType)}${hourParts(created).compact}`;
}

export function ledgerPrefix(tenantId: string, contentType: string): string {
  return `${tenantId}_${contentType}_`;
}
