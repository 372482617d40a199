/** One record builder per content type; a record is a pure function of its key. */
import type { ContentType } from '../../../shared/content-types.js';
import type { Rng } from '../prng.js';
import type { AuditRecord, RecordContext } from './common.js';
import { dlpRecord } from './dlp.js';
import { generalRecord } from './general.js';
import { entraRecord, exchangeRecord, sharePointRecord } from './workloads.js';

const BUILDERS: Record<ContentType, (rng: Rng, id: string, ctx: RecordContext) => AuditRecord> = {
  'Audit.AzureActiveDirectory': entraRecord,
  'Audit.Exchange': exchangeRecord,
  'Audit.SharePoint': sharePointRecord,
  'Audit.General': generalRecord,
  'DLP.All': dlpRecord,
};

export function buildRecord(contentType: ContentType, rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  return BUILDERS[contentType](rng, id, ctx);
}
