/**
 * Record filter from O365_FILTER_OPERATIONS / _STATUSES / _POLICIES and O365_FILTER_MODE.
 *
 * Three lists, each compared case-insensitively (after trimming) against one facet of a record:
 *   operations → `Operation`, statuses → `ResultStatus`, policies → any `PolicyDetails[].PolicyName`.
 * An empty list is "not configured" and imposes nothing in either mode.
 *
 * - `exclude` (blacklist): a record is dropped when it matches ANY configured list; kept otherwise.
 * - `include` (whitelist): a record is kept only when it matches EVERY configured list (AND across
 *   lists, OR within a list). A record lacking the field (no Operation, no ResultStatus, no
 *   PolicyDetails) does not match that list. With no list configured everything is kept.
 *
 * So for a single configured list the two modes are exact complements; with several lists
 * exclude drops the union of matches and include keeps the intersection.
 */
import type { FilterConfig } from '../config.js';
import type { AuditRecord } from './parse.js';

export interface FilterDecision {
  keep: boolean;
  /** Why a record was dropped, for the ledger's `filtered` count and debug logs. */
  reason?: string;
}

export type RecordFilter = (record: AuditRecord) => FilterDecision;

interface Facet {
  name: string;
  wanted: ReadonlySet<string>;
  values: (record: AuditRecord) => string[];
}

const fold = (s: string): string => s.trim().toLowerCase();

function stringField(key: string): (record: AuditRecord) => string[] {
  return (record) => {
    const v = record[key];
    return typeof v === 'string' ? [v] : [];
  };
}

function policyNames(record: AuditRecord): string[] {
  const details = record.PolicyDetails;
  if (!Array.isArray(details)) return [];
  const names: string[] = [];
  for (const d of details as unknown[]) {
    if (d !== null && typeof d === 'object' && typeof (d as AuditRecord).PolicyName === 'string') {
      names.push((d as AuditRecord).PolicyName as string);
    }
  }
  return names;
}

export function createRecordFilter(cfg: FilterConfig): RecordFilter {
  const facets: Facet[] = [
    { name: 'operation', wanted: new Set(cfg.operations.map(fold)), values: stringField('Operation') },
    { name: 'status', wanted: new Set(cfg.statuses.map(fold)), values: stringField('ResultStatus') },
    { name: 'policy', wanted: new Set(cfg.policies.map(fold)), values: policyNames },
  ].filter((f) => f.wanted.size > 0);

  if (facets.length === 0) return () => ({ keep: true });

  const match = (facet: Facet, record: AuditRecord): string | undefined =>
    facet.values(record).find((v) => facet.wanted.has(fold(v)));

  if (cfg.mode === 'exclude') {
    return (record) => {
      for (const facet of facets) {
        const hit = match(facet, record);
        if (hit !== undefined)
          return { keep: false, reason: `excluded ${facet.name} ${JSON.stringify(hit)}` };
      }
      return { keep: true };
    };
  }
  return (record) => {
    for (const facet of facets) {
      if (match(facet, record) === undefined) {
        const seen = facet.values(record);
        const what = seen.length === 0 ? 'missing' : JSON.stringify(seen.join(', '));
        return { keep: false, reason: `${facet.name} ${what} not in the include list` };
      }
    }
    return { keep: true };
  };
}
