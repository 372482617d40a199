/** Audit.General: Teams, Power BI, Security & Compliance alerts (RecordType 40) and AIR (64). */
import type { Rng } from '../prng.js';
import { zoneless } from '../time.js';
import { baseRecord, eventTime, type AuditRecord, type RecordContext } from './common.js';
import { SUBJECTS, USER_AGENTS, person, plainIp } from './values.js';

export function generalRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const r = rng.next();
  if (r < 0.4) return teamsRecord(rng, id, ctx);
  if (r < 0.65) return powerBiRecord(rng, id, ctx);
  if (r < 0.85) return alertRecord(rng, id, ctx);
  return airRecord(rng, id, ctx);
}

function teamsRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const user = person(rng, ctx.domain);
  const operation = rng.pick(['TeamCreated', 'MemberAdded', 'TeamsSessionStarted', 'ChannelAdded']);
  const rec: AuditRecord = {
    ...baseRecord(rng, id, ctx, { recordType: 25, operation, workload: 'MicrosoftTeams', user }),
    TeamName: rng.pick(['Finance', 'Project Falcon', 'All Company']),
    TeamGuid: `19:${rng.hex(32)}@thread.tacv2`,
    AADGroupId: rng.uuid(),
    CommunicationType: 'Team',
    ItemName: rng.pick(['General', 'Announcements']),
  };
  if (operation === 'MemberAdded') {
    const member = person(rng, ctx.domain);
    rec.Members = [{ DisplayName: member.name, Role: 1, UPN: member.upn }];
  }
  if (operation === 'TeamsSessionStarted') rec.ExtraProperties = [{ Key: 'OsName', Value: 'Windows' }];
  return rec;
}

function powerBiRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const user = person(rng, ctx.domain);
  const activity = rng.pick(['ViewReport', 'ExportReport', 'ViewDashboard']);
  return {
    ...baseRecord(rng, id, ctx, { recordType: 20, operation: activity, workload: 'PowerBI', user }),
    Activity: activity,
    ItemName: 'Sales pipeline',
    WorkSpaceName: 'Sales',
    DatasetName: 'Pipeline',
    ReportName: 'Sales pipeline',
    WorkspaceId: rng.uuid(),
    ReportId: rng.uuid(),
    DatasetId: rng.uuid(),
    ReportType: 'PowerBIReport',
    DistributionMethod: 'Workspace',
    UserAgent: rng.pick(USER_AGENTS),
    RequestId: rng.uuid(),
    IsSuccess: true,
  };
}

/** RecordType 40 — sometimes sent as the string "40"; `Data` is JSON inside a string. */
function alertRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const victim = person(rng, ctx.domain);
  const alertId = rng.uuid();
  const operation = rng.pick(['AlertTriggered', 'AlertEntityGenerated', 'AlertUpdated']);
  const t = zoneless(eventTime(rng, ctx.createdMs));
  const data = {
    etype: 'User',
    eid: victim.upn,
    op: 'MalwareUrlClickedPostDelivery',
    tdc: '1',
    suid: victim.upn,
    ut: 'Regular',
    ssic: '0',
    tid: ctx.tenantId,
    ts: `${t}Z`,
    te: `${t}Z`,
    wl: 'Exchange',
    sev: 'High',
    an: 'A potentially malicious URL click was detected',
    ad: 'A user clicked a URL that was later found to be malicious.',
    imsgid: `<${rng.hex(20)}@fabrikam.example>`,
  };
  const rec: AuditRecord = {
    ...baseRecord(rng, id, ctx, {
      recordType: 40,
      operation,
      workload: 'SecurityComplianceCenter',
      userType: 4,
      user: { upn: 'SecurityComplianceAlerts', puid: 'SecurityComplianceAlerts' },
      objectId: alertId,
      resultStatus: 'Succeeded',
    }),
    AlertId: alertId,
    AlertType: 'System',
    Name: data.an,
    PolicyId: rng.uuid(),
    Status: rng.pick(['Active', 'Investigating', 'Resolved']),
    Severity: rng.pick(['Low', 'Medium', 'High']),
    Category: rng.pick(['ThreatManagement', 'DataLossPrevention', 'MailFlow']),
    Source: 'Office 365 Security & Compliance',
    Comments: 'New alert',
    Data: JSON.stringify(data),
    AlertLinks: [{ AlertLinkHref: '' }],
  };
  if (rng.chance(0.5)) rec.RecordType = '40';
  if (operation === 'AlertEntityGenerated') {
    rec.AlertEntityId = victim.upn;
    rec.EntityType = 'User';
  }
  return rec;
}

/** RecordType 64: entities both in `Actions[].Entities` and inside the `Data` JSON string. */
function airRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const victim = person(rng, ctx.domain);
  const start = eventTime(rng, ctx.createdMs);
  const invId = `urn:UserReportedEmail:${rng.hex(32)}`;
  const msgId = rng.uuid();
  const url = `https://phish.example/${rng.hex(8)}`;
  const entities = [
    {
      $id: '1',
      Type: 'mailbox',
      MailboxPrimaryAddress: victim.upn,
      DisplayName: victim.name,
      Upn: victim.upn,
      AadId: rng.uuid(),
    },
    {
      $id: '2',
      Type: 'mailMessage',
      Recipient: victim.upn,
      Sender: 'billing@phish.example',
      SenderIP: plainIp(rng),
      P1Sender: 'billing@phish.example',
      NetworkMessageId: msgId,
      InternetMessageId: `<${rng.hex(20)}@phish.example>`,
      Subject: rng.pick(SUBJECTS),
      Urls: [url],
      DeliveryAction: 'Delivered',
      DeliveryLocation: 'Inbox',
    },
    { $id: '3', Type: 'url', Url: url, ClickCount: rng.int(0, 3), EmailCount: 1 },
    { $id: '4', Type: 'ip', Address: plainIp(rng) },
    {
      $id: '5',
      Type: 'mailCluster',
      NetworkMessageIds: [msgId],
      CountByDeliveryStatus: { Delivered: 1 },
      MailCount: 1,
      Query: `(NetworkMessageId:"${msgId}")`,
      Source: 'SimilarEmailClusters',
      ClusterBy: 'Url',
      ClusterByValue: url,
    },
  ];
  const data = {
    Version: '3.0',
    VendorName: 'Microsoft',
    ProviderName: 'OATP',
    AlertType: 'ThreatManagement',
    StartTimeUtc: new Date(start).toISOString(),
    EndTimeUtc: new Date(start + 60_000).toISOString(),
    Severity: 'Informational',
    AlertDisplayName: 'Email reported by user as malware or phish',
    Description: 'This alert is triggered when any email message is reported as malware or phish by users.',
    ExtendedLinks: [],
    ResourceIdentifiers: [{ $id: '1', AadTenantId: ctx.tenantId, Type: 'AAD' }],
    Entities: entities,
    Category: 'ThreatManagement',
  };
  return {
    ...baseRecord(rng, id, ctx, {
      recordType: 64,
      operation: 'AirInvestigationData',
      workload: 'AirInvestigation',
      userType: 4,
      user: { upn: 'AirInvestigation', puid: 'AirInvestigation' },
      objectId: invId,
    }),
    InvestigationId: invId,
    InvestigationName: `User-reported email - ${victim.upn}`,
    InvestigationType: 'UserReportedEmail',
    LastUpdateTimeUtc: zoneless(start + 300_000),
    StartTimeUtc: zoneless(start),
    Status: rng.pick(['Running', 'Pending Action', 'Threats Found', 'No threats found']),
    DeepLinkUrl: `https://security.microsoft.com/airinvestigation?id=${invId}`,
    RunningTime: rng.int(60, 3600),
    Actions: [
      {
        $id: '1',
        ActionId: `urn:EmailZapper:${rng.hex(32)}`,
        ActionType: 'EmailRemediation',
        ActionStatus: 'Pending',
        ActionApproval: 'None',
        RelatedAlertIds: [rng.uuid()],
        ResourceIdentifiers: [{ $id: '2', AadTenantId: ctx.tenantId, Type: 'AAD' }],
        Entities: [entities[4]],
      },
    ],
    Data: JSON.stringify(data),
  };
}
