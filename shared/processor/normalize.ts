/**
 * Audit record → NormalizedEvent v1 (ARCHITECTURE "Normalized event"). Pure and total: whatever a
 * record holds, an event comes out; a field that cannot be read becomes null and a line in
 * `errors`, so a bad record is written through flagged instead of lost.
 */
import type { FieldConfig } from '../config.js';
import {
  SCHEMA_VERSION,
  type DlpSummary,
  type NormalizedEvent,
  type Result,
} from '../schema/normalized-event.js';
import { isJsonObject, readClientIp, readInt, readJsonish, readText, readTime, type Read } from './fields.js';
import type { AuditRecord, ParsedItem } from './parse.js';
import { recordTypeName, userTypeName } from './record-types.js';

export interface NormalizeContext {
  tenantId: string;
  contentType: string;
  contentId: string;
  /** When the content was ingested (injected: reprocessing must produce the same bytes). */
  ingestedAt: string | Date;
  fields: FieldConfig;
}

export interface NormalizeOptions {
  /** The masker replaced sensitive values in this record (sets `dlp.findingsMasked`). */
  findingsMasked?: boolean;
}

type InvalidItem = Extract<ParsedItem, { kind: 'invalid' }>;

/** ResultStatus spellings seen in the wild (reference §12.1), compared case-insensitively. */
const RESULTS: ReadonlyMap<string, Result> = new Map([
  ['succeeded', 'success'],
  ['success', 'success'],
  ['true', 'success'],
  ['failed', 'failure'],
  ['failure', 'failure'],
  ['false', 'failure'],
  ['partiallysucceeded', 'partial'],
]);

export function resultOf(status: string | null): Result {
  return status === null ? 'unknown' : (RESULTS.get(status.trim().toLowerCase()) ?? 'unknown');
}

class Collector {
  readonly errors: string[] = [];
  take<T>(field: string, read: Read<T>, fallback: T): T {
    if (read.ok) return read.value;
    this.errors.push(`${field} ${read.problem}`);
    return fallback;
  }
}

/** A configured source field: an exact key, or a dotted path into nested objects. */
function lookup(record: AuditRecord, path: string): unknown {
  if (path in record) return record[path];
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

const singleMatch = new WeakMap<RegExp, RegExp>();
/** A copy without g/y: those make `exec` stateful across records. */
function nonGlobal(re: RegExp): RegExp {
  let copy = singleMatch.get(re);
  if (!copy) {
    copy = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
    singleMatch.set(re, copy);
  }
  return copy;
}

function environmentOf(record: AuditRecord, fields: FieldConfig, c: Collector): string {
  if (fields.environment === undefined) return fields.defaultEnvironment;
  const value = c.take(
    `${fields.environment} (environment)`,
    readText(lookup(record, fields.environment)),
    null,
  );
  if (value === null) return fields.defaultEnvironment;
  const m = nonGlobal(fields.environmentRegex).exec(value);
  const picked = m === null ? undefined : (m[1] ?? m[0]);
  return picked === undefined || picked === '' ? fields.defaultEnvironment : picked;
}

function objectsOf(value: unknown): Record<string, unknown>[] {
  const parsed = readJsonish(value);
  const list = parsed.ok ? parsed.value : undefined;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function pushText(into: string[], value: unknown): void {
  if (typeof value === 'string' && value !== '' && !into.includes(value)) into.push(value);
}

function sensitiveTypes(into: string[], infos: unknown): void {
  for (const info of objectsOf(infos)) {
    pushText(into, info.SensitiveInformationTypeName ?? info.SensitiveType);
  }
}

export function dlpSummary(record: AuditRecord, findingsMasked: boolean): DlpSummary {
  const summary: DlpSummary = { policies: [], rules: [], severities: [], sensitiveTypes: [], findingsMasked };
  for (const policy of objectsOf(record.PolicyDetails)) {
    pushText(summary.policies, policy.PolicyName);
    for (const rule of objectsOf(policy.Rules)) {
      pushText(summary.rules, rule.RuleName);
      pushText(summary.severities, rule.Severity);
      const conditions = readJsonish(rule.ConditionsMatched);
      if (conditions.ok && isJsonObject(conditions.value)) {
        sensitiveTypes(summary.sensitiveTypes, conditions.value.SensitiveInformation);
      }
    }
  }
  const endpoint = readJsonish(record.EndpointMetaData);
  if (endpoint.ok && isJsonObject(endpoint.value)) {
    sensitiveTypes(summary.sensitiveTypes, endpoint.value.SensitiveInformation);
  }
  return summary;
}

const isDlpRecord = (record: AuditRecord, contentType: string): boolean =>
  contentType === 'DLP.All' || record.PolicyDetails !== undefined;

function iso(value: string | Date): string {
  return (typeof value === 'string' ? new Date(value) : value).toISOString();
}

/** Normalize one audit record (already deduped, filtered and masked). Never throws. */
export function normalizeRecord(
  record: AuditRecord,
  ctx: NormalizeContext,
  opts: NormalizeOptions = {},
): NormalizedEvent {
  const c = new Collector();
  const id = c.take('Id', readText(record.Id), null);
  if (record.Id === undefined || record.Id === null) c.errors.push('Id is missing');
  const recordType = c.take('RecordType', readInt(record.RecordType), null);
  const userType = c.take('UserType', readInt(record.UserType), null);
  const resultStatus = c.take('ResultStatus', readText(record.ResultStatus), null);
  // Data is JSON sent as text; entities are read from it, so a broken one is worth a flag here.
  if (typeof record.Data === 'string') c.take('Data', readJsonish(record.Data), undefined);

  const event: NormalizedEvent = {
    schemaVersion: SCHEMA_VERSION,
    id,
    time: c.take('CreationTime', readTime(record.CreationTime), null),
    tenantId: ctx.tenantId,
    contentType: ctx.contentType,
    contentId: ctx.contentId,
    workload: c.take('Workload', readText(record.Workload), null),
    recordType,
    recordTypeName: recordType === null ? null : recordTypeName(recordType),
    operation: c.take('Operation', readText(record.Operation), null),
    result: resultOf(resultStatus),
    resultStatus,
    user: {
      id: c.take('UserId', readText(record.UserId), null),
      key: c.take('UserKey', readText(record.UserKey), null),
      type: userType,
      typeName: userType === null ? null : userTypeName(userType),
    },
    clientIp: c.take('ClientIP', readClientIp(record.ClientIP ?? record.ClientIPAddress), null),
    objectId: c.take('ObjectId', readText(record.ObjectId), null),
    product: c.take(`${ctx.fields.product} (product)`, readText(lookup(record, ctx.fields.product)), null),
    eventName: c.take(`${ctx.fields.event} (eventName)`, readText(lookup(record, ctx.fields.event)), null),
    environment: environmentOf(record, ctx.fields, c),
    dlp: isDlpRecord(record, ctx.contentType) ? dlpSummary(record, opts.findingsMasked ?? false) : null,
    parentId: null,
    entity: null,
    ingestedAt: iso(ctx.ingestedAt),
    raw: record,
  };
  if (c.errors.length > 0) event.errors = c.errors;
  return event;
}

/** A top-level element that is not an object: written through, flagged, with its raw value. */
export function normalizeInvalid(item: InvalidItem, ctx: NormalizeContext): NormalizedEvent {
  return {
    schemaVersion: SCHEMA_VERSION,
    id: null,
    time: null,
    tenantId: ctx.tenantId,
    contentType: ctx.contentType,
    contentId: ctx.contentId,
    workload: null,
    recordType: null,
    recordTypeName: null,
    operation: null,
    result: 'unknown',
    resultStatus: null,
    user: { id: null, key: null, type: null, typeName: null },
    clientIp: null,
    objectId: null,
    product: null,
    eventName: null,
    environment: ctx.fields.defaultEnvironment,
    dlp: null,
    parentId: null,
    entity: null,
    ingestedAt: iso(ctx.ingestedAt),
    raw: item.raw,
    errors: [`array element ${item.index} is not a record: ${item.reason}`],
  };
}
