/** The common schema (EntityType AuditRecord) every generated record starts from. */
import type { Rng } from '../prng.js';
import { zoneless } from '../time.js';
import { clientIp, person } from './values.js';

export type AuditRecord = Record<string, unknown>;

export interface RecordContext {
  tenantId: string;
  domain: string;
  /** contentCreated (ms) of the blob the record was generated for. */
  createdMs: number;
}

/**
 * Event time before its blob's contentCreated: mostly within 90 minutes, sometimes hours, rarely
 * days — the API publishes late and out of order.
 */
export function eventTime(rng: Rng, createdMs: number): number {
  const r = rng.next();
  const minutes = r < 0.8 ? rng.int(1, 90) : r < 0.95 ? rng.int(90, 360) : rng.int(360, 2880);
  return createdMs - minutes * 60_000 - rng.int(0, 59_999);
}

export interface BaseFields {
  recordType: number;
  operation: string;
  workload: string;
  userType?: number;
  user?: { upn: string; puid: string };
  objectId?: string;
  resultStatus?: string;
  /** `null` for Entra records; omitted: a random address. */
  clientIp?: string | null;
}

export function baseRecord(rng: Rng, id: string, ctx: RecordContext, f: BaseFields): AuditRecord {
  const user = f.user ?? person(rng, ctx.domain);
  const rec: AuditRecord = {
    CreationTime: zoneless(eventTime(rng, ctx.createdMs)),
    Id: id,
    Operation: f.operation,
    OrganizationId: ctx.tenantId,
    RecordType: f.recordType,
    // Some producers send numbers as strings; parsers must cope.
    UserKey: user.puid,
    UserType: rng.chance(0.03) ? String(f.userType ?? 0) : (f.userType ?? 0),
    Version: 1,
    Workload: f.workload,
    ClientIP: f.clientIp === undefined ? clientIp(rng) : f.clientIp,
    UserId: user.upn,
  };
  if (f.objectId !== undefined) rec.ObjectId = f.objectId;
  if (f.resultStatus !== undefined) rec.ResultStatus = f.resultStatus;
  return rec;
}

export function guid(rng: Rng): string {
  return rng.uuid();
}
