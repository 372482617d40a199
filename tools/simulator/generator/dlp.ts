/**
 * DLP.All records (Exchange RecordType 13, SharePoint/OneDrive RecordType 11) carrying real-shaped
 * `SensitiveInformationDetections`: `DetectedValues[{Name: matched value, Value: context}]`. The
 * matched values also leak into the subject, file name and ExceptionInfo, as in real tenants.
 */
import type { Rng } from '../prng.js';
import { zoneless } from '../time.js';
import { baseRecord, type AuditRecord, type RecordContext } from './common.js';
import { SENSITIVE_TYPES, SITES, creditCard, person, ssn } from './values.js';

const POLICIES = [
  { id: 'fad884cb-d5a5-4ad2-9dab-24283e4bb6cc', name: 'U.S. Financial Data' },
  { id: '3f1b5f55-3ce4-4d4c-b0f7-40c2bd6e5d3a', name: 'U.S. Personally Identifiable Information (PII) Data' },
];

function detection(rng: Rng, kind: 'creditCard' | 'ssn'): { values: string[]; info: AuditRecord } {
  const type = SENSITIVE_TYPES[kind];
  const n = rng.int(1, 3);
  const values = Array.from({ length: n }, () => (kind === 'creditCard' ? creditCard(rng) : ssn(rng)));
  const lead = kind === 'creditCard' ? 'card on file is' : 'employee SSN';
  const confidence = rng.pick([75, 85]);
  return {
    values,
    info: {
      ClassifierType: 'Content',
      Confidence: confidence,
      Count: n,
      UniqueCount: n,
      Location: rng.pick(['Message Body', 'Attachment']),
      SensitiveType: type.id,
      SensitiveInformationTypeName: type.name,
      SensitiveInformationDetailedClassificationAttributes: [
        { Confidence: 65, Count: n, IsMatch: false },
        { Confidence: 75, Count: n, IsMatch: confidence >= 75 },
        { Confidence: 85, Count: n, IsMatch: confidence >= 85 },
      ],
      SensitiveInformationDetections: {
        DetectedValues: values.map((v) => ({ Name: v, Value: `${lead} ${v} please process` })),
        ResultsTruncated: false,
      },
    },
  };
}

export function dlpRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const exchange = rng.chance(0.5);
  const user = person(rng, ctx.domain);
  const policy = rng.pick(POLICIES);
  const kinds: Array<'creditCard' | 'ssn'> = rng.chance(0.3)
    ? ['creditCard', 'ssn']
    : [rng.pick(['creditCard', 'ssn'])];
  const found = kinds.map((k) => detection(rng, k));
  const first = found[0]?.values[0] ?? '';
  const undo = rng.chance(0.15);
  const severity = rng.pick(['Low', 'Medium', 'High']);
  const rule = {
    RuleId: rng.uuid(),
    RuleName: `${policy.name} - ${severity} volume`,
    ManagementRuleId: rng.uuid(),
    Actions: rng.chance(0.5)
      ? ['BlockAccess', 'NotifyUser', 'GenerateIncidentReport']
      : ['NotifyUser', 'GenerateAlert'],
    ActionParameters: [`GenerateIncidentReport:dlp-admins@${ctx.domain}`],
    OverriddenActions: undo ? ['BlockAccess'] : [],
    RuleMode: 'Enable',
    Severity: severity,
    ConditionsMatched: {
      ConditionMatchedInNewScheme: true,
      OtherConditions: [{ Name: 'AccessScope', Value: 'IncludeExternalUsers' }],
      SensitiveInformation: found.map((f) => f.info),
    },
  };
  const host = ctx.domain.split('.')[0] ?? 'contoso';
  const fileName = `${rng.pick(['payroll', 'customers', 'export'])} ${first}.xlsx`;
  const site = `https://${host}.sharepoint.com/sites/${rng.pick(SITES)}`;
  const rec: AuditRecord = {
    ...baseRecord(rng, id, ctx, {
      recordType: exchange ? 13 : 11,
      operation: exchange ? (undo ? 'DlpRuleUndo' : 'DlpRuleMatch') : undo ? 'DLPRuleUndo' : 'DLPRuleMatch',
      workload: exchange ? 'Exchange' : rng.pick(['SharePoint', 'OneDrive']),
      userType: 4,
      user: exchange
        ? { upn: user.upn, puid: String(rng.int(1e17, 9e17)) }
        : { upn: 'DlpAgent', puid: 'DlpAgent' },
      objectId: exchange
        ? `<${rng.hex(16).toUpperCase()}@${ctx.domain}>`
        : `${site}/Shared Documents/${fileName}`,
    }),
    IncidentId: rng.uuid(),
    SensitiveInfoDetectionIsIncluded: true,
    PolicyDetails: [{ PolicyId: policy.id, PolicyName: policy.name, Rules: [rule] }],
  };
  if (exchange) {
    rec.ExchangeMetaData = {
      MessageID: rec.ObjectId,
      From: user.upn,
      To: [person(rng, 'fabrikam.example').upn],
      CC: [],
      BCC: [],
      Subject: `Payment details ${first}`,
      Sent: zoneless(ctx.createdMs - 3_600_000),
      RecipientCount: 1,
      FileSize: rng.int(5000, 90000),
      UniqueID: rng.uuid(),
    };
  } else {
    rec.SharePointMetaData = {
      From: user.upn,
      itemCreationTime: zoneless(ctx.createdMs - 86_400_000),
      SiteCollectionGuid: rng.uuid(),
      SiteCollectionUrl: site,
      FileName: fileName,
      FileOwner: user.name,
      // SharePoint sends this one percent-encoded, so a detected value in the name shows as
      // `4111%201111…` here: masking must see through it.
      FilePathUrl: encodeURI(`${site}/Shared Documents/${fileName}`),
      DocumentLastModifier: user.upn,
      DocumentSharer: user.upn,
      UniqueId: rng.uuid(),
      LastModifiedTime: zoneless(ctx.createdMs - 7_200_000),
      IsViewableByExternalUsers: rng.chance(0.3),
    };
  }
  if (undo || rng.chance(0.3)) {
    const info = {
      Reason: undo ? 'Override' : 'FalsePositive',
      FalsePositive: !undo,
      Justification: `Customer asked for it, reference ${first}`,
      Rules: [rule.RuleId],
    };
    // Observed both as a JSON-encoded string and as an object.
    rec.ExceptionInfo = rng.chance(0.5) ? JSON.stringify(info) : info;
  }
  return rec;
}

/** Without ActivityFeed.ReadDlp the service drops the detections and says so. */
export function withoutDetections(record: AuditRecord): AuditRecord {
  if (!('SensitiveInfoDetectionIsIncluded' in record)) return record;
  const copy = structuredClone(record);
  copy.SensitiveInfoDetectionIsIncluded = false;
  const policies = Array.isArray(copy.PolicyDetails) ? (copy.PolicyDetails as AuditRecord[]) : [];
  for (const policy of policies) {
    for (const rule of Array.isArray(policy.Rules) ? (policy.Rules as AuditRecord[]) : []) {
      const cm = rule.ConditionsMatched as AuditRecord | undefined;
      for (const si of Array.isArray(cm?.SensitiveInformation)
        ? (cm.SensitiveInformation as AuditRecord[])
        : []) {
        delete si.SensitiveInformationDetections;
      }
    }
  }
  return copy;
}
