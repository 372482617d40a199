/** Audit.AzureActiveDirectory, Audit.Exchange and Audit.SharePoint record shapes. */
import type { Rng } from '../prng.js';
import { zoneless } from '../time.js';
import { baseRecord, type AuditRecord, type RecordContext } from './common.js';
import { FILES, SITES, SUBJECTS, USER_AGENTS, person, plainIp } from './values.js';

export function entraRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const r = rng.next();
  const actor = person(rng, ctx.domain);
  if (r < 0.65) {
    const failed = rng.chance(0.15);
    const appId = rng.pick(['00000002-0000-0ff1-ce00-000000000000', '1fec8e78-bce4-4aaf-ab1b-5451cc387264']);
    return {
      ...baseRecord(rng, id, ctx, {
        recordType: 15,
        operation: failed ? 'UserLoginFailed' : 'UserLoggedIn',
        workload: 'AzureActiveDirectory',
        user: actor,
        objectId: appId,
        resultStatus: failed ? 'Failed' : 'Success',
        clientIp: null,
      }),
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'ResultStatusDetail', Value: failed ? 'Redirect' : 'Success' },
        { Name: 'UserAgent', Value: rng.pick(USER_AGENTS) },
        { Name: 'RequestType', Value: 'OAuth2:Token' },
      ],
      ModifiedProperties: [],
      Actor: [
        { ID: rng.uuid(), Type: 0 },
        { ID: actor.upn, Type: 5 },
      ],
      ActorContextId: ctx.tenantId,
      ActorIpAddress: plainIp(rng),
      InterSystemsId: rng.uuid(),
      IntraSystemId: rng.uuid(),
      SupportTicketId: '',
      Target: [{ ID: appId, Type: 0 }],
      TargetContextId: ctx.tenantId,
      ApplicationId: appId,
      DeviceProperties: [
        { Name: 'OS', Value: rng.pick(['Windows 10', 'MacOs', 'Ios']) },
        { Name: 'BrowserType', Value: rng.pick(['Edge', 'Chrome', 'Safari']) },
      ],
      ErrorNumber: failed ? '50126' : '0',
      ...(failed ? { LogonError: 'InvalidUserNameOrPassword' } : {}),
    };
  }
  if (r < 0.85) {
    const target = person(rng, ctx.domain);
    return {
      ...baseRecord(rng, id, ctx, {
        recordType: 8,
        operation: rng.pick(['Add user.', 'Update user.', 'Add member to group.', 'Reset user password.']),
        workload: 'AzureActiveDirectory',
        user: actor,
        objectId: target.upn,
        resultStatus: 'Success',
        clientIp: null,
      }),
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [{ Name: 'additionalDetails', Value: '{"UserType":"Member"}' }],
      ModifiedProperties: [{ Name: 'AccountEnabled', NewValue: '[true]', OldValue: '[]' }],
      Actor: [{ ID: actor.upn, Type: 5 }],
      ActorContextId: ctx.tenantId,
      Target: [
        { ID: `User_${rng.uuid()}`, Type: 2 },
        { ID: target.upn, Type: 5 },
      ],
      TargetContextId: ctx.tenantId,
    };
  }
  return {
    ...baseRecord(rng, id, ctx, {
      recordType: 9,
      operation: 'PasswordLogonInitialAuthUsingPassword',
      workload: 'AzureActiveDirectory',
      user: actor,
      objectId: rng.uuid(),
      resultStatus: rng.pick(['Succeeded', 'Failed']),
      clientIp: null,
    }),
    AzureActiveDirectoryEventType: 0,
    Client: 'Exchange',
    LoginStatus: 0,
    UserDomain: ctx.domain,
  };
}

function originatingServer(rng: Rng): string {
  return `MW4PR${rng.int(10, 99)}MB${rng.int(1000, 9999)} (15.20.${rng.int(7000, 7999)}.000)`;
}

export function exchangeRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const r = rng.next();
  const user = person(rng, ctx.domain);
  const org = ctx.domain.replace('.onmicrosoft.com', '.onmicrosoft.com');
  if (r < 0.15) {
    const target = person(rng, ctx.domain);
    return {
      ...baseRecord(rng, id, ctx, {
        recordType: 1,
        operation: rng.pick(['Set-Mailbox', 'New-InboxRule', 'Add-MailboxPermission', 'Set-TransportRule']),
        workload: 'Exchange',
        userType: 2,
        user,
        objectId: target.name,
        resultStatus: 'True',
      }),
      ExternalAccess: false,
      OrganizationName: org,
      OriginatingServer: originatingServer(rng),
      Parameters: [
        { Name: 'Identity', Value: target.upn },
        { Name: 'AccessRights', Value: 'FullAccess' },
      ],
    };
  }
  const common = {
    ClientIPAddress: plainIp(rng),
    ClientInfoString: rng.pick([
      'Client=OWA;Action=ViaProxy',
      'Client=MSExchangeRPC',
      'Client=REST;Client=RESTSystem;',
    ]),
    ExternalAccess: false,
    InternalLogonType: 0,
    LogonType: 0,
    LogonUserSid: `S-1-5-21-${rng.int(1e8, 9e8)}-${rng.int(1e8, 9e8)}-${rng.int(1000, 9999)}`,
    MailboxGuid: rng.uuid(),
    MailboxOwnerSid: `S-1-5-21-${rng.int(1e8, 9e8)}`,
    MailboxOwnerUPN: user.upn,
    OrganizationName: org,
    OriginatingServer: originatingServer(rng),
  };
  if (r < 0.6) {
    return {
      ...baseRecord(rng, id, ctx, {
        recordType: 2,
        operation: rng.pick(['Send', 'Create', 'Update', 'SendAs']),
        workload: 'Exchange',
        user,
        objectId: `<${rng.hex(16).toUpperCase()}@${ctx.domain}>`,
        resultStatus: 'Succeeded',
      }),
      ...common,
      Item: {
        Id: `RgAAAA${rng.hex(40)}`,
        InternetMessageId: `<${rng.hex(20)}@${ctx.domain}>`,
        ParentFolder: { Id: `LgAAAA${rng.hex(30)}`, Path: '\\Sent Items' },
        SizeInBytes: rng.int(2000, 900000),
        Subject: rng.pick(SUBJECTS),
      },
    };
  }
  if (r < 0.75) {
    return {
      ...baseRecord(rng, id, ctx, {
        recordType: 3,
        operation: rng.pick(['SoftDelete', 'HardDelete', 'MoveToDeletedItems']),
        workload: 'Exchange',
        user,
        resultStatus: 'Succeeded',
      }),
      ...common,
      AffectedItems: [
        { Id: `RgAAAA${rng.hex(40)}`, Subject: rng.pick(SUBJECTS), ParentFolder: { Path: '\\Inbox' } },
      ],
      Folder: { Id: `LgAAAA${rng.hex(30)}`, Path: '\\Inbox' },
    };
  }
  return {
    ...baseRecord(rng, id, ctx, {
      recordType: 50,
      operation: 'MailItemsAccessed',
      workload: 'Exchange',
      user,
      resultStatus: 'Succeeded',
    }),
    ...common,
    OperationProperties: [
      { Name: 'MailAccessType', Value: rng.pick(['Bind', 'Sync']) },
      { Name: 'IsThrottled', Value: 'False' },
    ],
    OperationCount: rng.int(1, 20),
    Folders: [{ FolderItems: [{ InternetMessageId: `<${rng.hex(20)}@${ctx.domain}>` }], Path: '\\Inbox' }],
  };
}

export function sharePointRecord(rng: Rng, id: string, ctx: RecordContext): AuditRecord {
  const user = person(rng, ctx.domain);
  const oneDrive = rng.chance(0.35);
  const host = ctx.domain.split('.')[0] ?? 'contoso';
  const siteUrl = oneDrive
    ? `https://${host}-my.sharepoint.com/personal/${user.upn.replace(/[@.]/g, '_')}/`
    : `https://${host}.sharepoint.com/sites/${rng.pick(SITES)}/`;
  const file = rng.pick(FILES);
  const folder = oneDrive ? 'Documents' : 'Shared Documents';
  const workload = oneDrive ? 'OneDrive' : 'SharePoint';
  const common = {
    Site: rng.uuid(),
    WebId: rng.uuid(),
    SiteUrl: siteUrl,
    EventSource: 'SharePoint',
    UserAgent: rng.pick(USER_AGENTS),
    CorrelationId: rng.uuid(),
    ItemType: 'File',
    ListId: rng.uuid(),
    ListItemUniqueId: rng.uuid(),
    SourceRelativeUrl: folder,
    SourceFileName: file,
    SourceFileExtension: file.split('.').pop() ?? '',
    ApplicationDisplayName: rng.pick([
      'Microsoft SharePoint Online Web Client Extensibility',
      'OneDrive SyncEngine',
    ]),
  };
  const user2 = { upn: user.upn, puid: `i:0h.f|membership|${user.puid.toLowerCase()}@live.com` };
  const r = rng.next();
  const kind =
    r < 0.6
      ? {
          recordType: 6,
          operation: rng.pick(['FileAccessed', 'FileModified', 'FileDownloaded', 'FileUploaded']),
        }
      : r < 0.75
        ? { recordType: 4, operation: 'PageViewed' }
        : r < 0.9
          ? {
              recordType: 14,
              operation: rng.pick(['SharingSet', 'AnonymousLinkCreated', 'SharingInvitationCreated']),
            }
          : { recordType: 36, operation: rng.pick(['ListItemCreated', 'ListItemUpdated']) };
  const rec: AuditRecord = {
    ...baseRecord(rng, id, ctx, {
      ...kind,
      workload,
      user: user2,
      objectId: `${siteUrl}${folder}/${file}`,
      ...(kind.recordType === 6 ? {} : { resultStatus: 'Succeeded' }),
    }),
    ...common,
  };
  if (kind.recordType === 14) {
    const guest = person(rng, 'fabrikam.example');
    rec.TargetUserOrGroupName = guest.upn;
    rec.TargetUserOrGroupType = 'Guest';
    rec.EventData = '<PermissionsGranted>Contribute</PermissionsGranted>';
  }
  if (kind.recordType === 36) rec.ListTitle = 'Issue tracker';
  if (rng.chance(0.2)) rec.ModifiedTime = zoneless(ctx.createdMs - 3_600_000);
  return rec;
}
