import { describe, expect, it } from 'vitest';
import { extractEntityEvents, findEntities } from '../../../shared/processor/entities.js';
import { NormalizedEventSchema } from '../../../shared/schema/normalized-event.js';
import { ctx } from './helpers.js';

const general = ctx({ contentType: 'Audit.General', contentId: 'c1' });

/** An AIR investigation record shaped like reference §12.4 (synthetic values). */
function airRecord(): Record<string, unknown> {
  return {
    Id: 'a1b2c3d4-0000-4000-8000-000000000001',
    CreationTime: '2024-05-14T09:21:07',
    RecordType: 64,
    Operation: 'AirInvestigationData',
    Workload: 'AirInvestigation',
    UserId: 'AirInvestigation',
    UserKey: 'AirInvestigation',
    UserType: 4,
    Actions: [
      {
        $id: '1',
        ActionType: 'EmailRemediation',
        ResourceIdentifiers: [{ $id: '2', AadTenantId: 't', Type: 'AAD' }],
        Entities: [
          { $id: '3', Type: 'mailMessage', Subject: 'Invoice', Sender: 'evil@example.test' },
          { $id: '4', Type: 'url', Url: 'https://evil.example.test/x' },
        ],
      },
    ],
    Entities: [{ $ref: '3' }, { $id: '5', Type: 'Mailbox', MailboxPrimaryAddress: 'bob@contoso.test' }],
    Data: JSON.stringify({
      Version: '3.0',
      ProviderName: 'OATP',
      Entities: [
        { $id: '1', Type: 'mailbox', MailboxPrimaryAddress: 'bob@contoso.test', Upn: 'bob@contoso.test' },
        { $id: '2', Type: 'ip', Address: '203.0.113.9' },
        { $ref: '1' },
        { $id: '3', Type: 'MailCluster', MailCount: 12 },
      ],
    }),
  };
}

describe('findEntities', () => {
  it('finds configured types in Data, Entities and Actions[].Entities, case-insensitively, skipping $refs', () => {
    const scan = findEntities(airRecord(), ['MAILBOX', 'url', 'mailMessage', 'ip']);
    expect(scan.errors).toEqual([]);
    expect(scan.entities.map((e) => [e.path, e.type, e.refId])).toEqual([
      ['Actions[0].Entities[0]', 'mailMessage', '3'],
      ['Actions[0].Entities[1]', 'url', '4'],
      ['Entities[1]', 'Mailbox', '5'],
      ['Data.Entities[0]', 'mailbox', '1'],
      ['Data.Entities[1]', 'ip', '2'],
    ]);
    expect(scan.entities[4]!.entity).toEqual({ $id: '2', Type: 'ip', Address: '203.0.113.9' });
  });

  it('gives deterministic ids that differ per entity and per parent', () => {
    const a = findEntities(airRecord(), ['mailbox', 'ip']).entities.map((e) => e.id);
    const b = findEntities(airRecord(), ['mailbox', 'ip']).entities.map((e) => e.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    a.forEach((id) => expect(id).toMatch(/^[0-9a-f]{32}$/));
    const other = findEntities({ ...airRecord(), Id: 'another' }, ['mailbox', 'ip']).entities.map(
      (e) => e.id,
    );
    expect(other.filter((id) => a.includes(id))).toEqual([]);
    // Without a parent Id, content keeps ids apart.
    const orphanA = findEntities({ Entities: [{ Type: 'ip', Address: '1.1.1.1' }] }, ['ip']).entities[0]!;
    const orphanB = findEntities({ Entities: [{ Type: 'ip', Address: '2.2.2.2' }] }, ['ip']).entities[0]!;
    expect(orphanA.parentId).toBeNull();
    expect(orphanA.id).not.toBe(orphanB.id);
  });

  it('records broken Data JSON and dangling $refs as errors instead of throwing', () => {
    const scan = findEntities(
      {
        Id: 'x',
        Data: '{"Entities": [{"Type": "ip"',
        Entities: [{ $ref: '99' }, { Type: 'ip', Address: '1.1.1.1' }],
      },
      ['ip'],
    );
    expect(scan.entities.map((e) => e.path)).toEqual(['Entities[1]']);
    expect(scan.errors).toHaveLength(2);
    expect(scan.errors[0]).toBe('Entities[0] refers to $id 99, which is not declared before it');
    expect(scan.errors[1]).toMatch(/^Data is not valid JSON text/);
  });

  it('accepts Data as an object, and ignores non-object entities and shapes without Entities', () => {
    expect(
      findEntities({ Id: 'x', Data: { Entities: [{ Type: 'url', Url: 'u' }, 'junk', null] } }, ['url'])
        .entities,
    ).toHaveLength(1);
    expect(
      findEntities({ Id: 'x', Data: 'plain text', Entities: 'nope', Actions: [null, 3] }, ['url']),
    ).toEqual({ entities: [], errors: [] });
    expect(findEntities(airRecord(), [])).toEqual({ entities: [], errors: [] });
    expect(findEntities(airRecord(), [' ', 'file']).entities).toEqual([]);
  });
});

describe('extractEntityEvents', () => {
  it('makes one schema-valid event per configured entity of an Audit.General record', () => {
    const events = extractEntityEvents(airRecord(), ['mailbox'], general);
    expect(events).toHaveLength(2);
    for (const e of events) expect(NormalizedEventSchema.safeParse(e).success).toBe(true);
    expect(events[0]).toMatchObject({
      parentId: 'a1b2c3d4-0000-4000-8000-000000000001',
      entity: { type: 'Mailbox', path: 'Entities[1]', refId: '5' },
      raw: { $id: '5', Type: 'Mailbox', MailboxPrimaryAddress: 'bob@contoso.test' },
      time: '2024-05-14T09:21:07.000Z',
      recordType: 64,
      recordTypeName: 'AirInvestigation',
      operation: 'AirInvestigationData',
      contentType: 'Audit.General',
      dlp: null,
    });
    expect(events[0]!.id).not.toBe(events[1]!.id);
    expect(events[0]!.errors).toBeUndefined();
    expect(extractEntityEvents(airRecord(), ['mailbox'], general)).toEqual(events);
  });

  it('only applies to Audit.General and only when entity keys are configured', () => {
    expect(extractEntityEvents(airRecord(), ['mailbox'], ctx({ contentType: 'Audit.Exchange' }))).toEqual([]);
    expect(extractEntityEvents(airRecord(), [], general)).toEqual([]);
  });

  it('carries scan problems and the parent problems on the entity events', () => {
    const events = extractEntityEvents(
      { Entities: [{ $ref: '7' }, { Type: 'ip', Address: '1.1.1.1' }] },
      ['ip'],
      general,
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.errors).toEqual([
      'Id is missing',
      'CreationTime is missing',
      'Entities[0] refers to $id 7, which is not declared before it',
    ]);
    expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
  });
});
