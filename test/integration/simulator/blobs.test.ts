/** Content blobs: retrieval, AF20050/51/52, repeat fetches, the generated record shapes, determinism. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../shared/clock.js';
import { CONTENT_TYPES, type ContentType } from '../../../shared/content-types.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { client, type Json } from './helpers.js';

const T0 = new Date('2026-09-01T00:00:00Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('content blobs', () => {
  let sim: RunningSimulator;
  let http: ReturnType<typeof client>;
  let tenantId: string;
  const clock = new FrozenClock(T0);
  const records = new Map<ContentType, Json[]>();
  beforeAll(async () => {
    sim = await startSimulator({ seed: 42, clock, hours: 72, eventsPerHour: 80 });
    http = client(sim);
    tenantId = sim.tenants[0]!.tenantId;
    const token = await http.token();
    for (const ct of CONTENT_TYPES) {
      const all: Json[] = [];
      for (const b of sim.blobs(tenantId, ct, new Date(T0.getTime() - 24 * HOUR), T0)) {
        const res = await http.call('GET', `${b.contentUri}?PublisherIdentifier=${tenantId}`, { token });
        expect(res.status).toBe(200);
        all.push(...res.json.map((r: Json) => ({ ...r, __contentId: b.contentId })));
      }
      records.set(ct, all);
    }
  });
  afterAll(async () => {
    await http.close();
    await sim.close();
  });
  const fetchBlob = async (uri: string) =>
    http.call('GET', `${uri}?PublisherIdentifier=${tenantId}`, { token: await http.token() });

  it('serves exactly the ground truth: records, unique Ids and counts', async () => {
    const blob = sim.blobs(tenantId, 'Audit.Exchange', new Date(T0.getTime() - 3 * HOUR), T0)[0]!;
    const res = await fetchBlob(blob.contentUri);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual(sim.blobRecords(tenantId, blob.contentId));
    expect(res.json).toHaveLength(blob.recordCount);
    expect([...new Set(res.json.map((r: Json) => r.Id))]).toEqual(blob.eventIds);
    for (const ct of CONTENT_TYPES) {
      const served = new Set(records.get(ct)!.map((r) => r.Id as string));
      const truth = new Set(
        sim.blobs(tenantId, ct, new Date(T0.getTime() - 24 * HOUR), T0).flatMap((b) => b.eventIds),
      );
      expect(served).toEqual(truth);
    }
  });

  it('shapes contentIds, expiration and creation like the service', () => {
    const b = sim.blobs(tenantId, 'Audit.Exchange', new Date(T0.getTime() - 3 * HOUR), T0)[0]!;
    expect(b.contentId).toMatch(/^\d{21}\$\d{21}\$audit_exchange\$Audit_Exchange\$(na|emea|apac)\d{4}$/);
    expect(b.contentCreated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(b.contentExpiration) - Date.parse(b.contentCreated)).toBe(7 * DAY);
    const t2 = b.contentId.split('$')[1]!;
    expect(
      `${t2.slice(0, 4)}-${t2.slice(4, 6)}-${t2.slice(6, 8)}T${t2.slice(8, 10)}:${t2.slice(10, 12)}:${t2.slice(12, 14)}.${t2.slice(14, 17)}Z`,
    ).toBe(b.contentCreated);
    const dlp = sim.blobs(tenantId, 'DLP.All', new Date(T0.getTime() - 3 * HOUR), T0)[0]!;
    expect(dlp.contentId).toContain('$dlp_all$DLP_All$');
  });

  it('answers AF20050 for unknown, AF20052 for malformed and AF20051 for expired content', async () => {
    const base = `${sim.apiRoot}/api/v1.0/${tenantId}/activity/feed/audit`;
    const unknownId = '202608311200000000000$202608311200000000000$audit_exchange$Audit_Exchange$na0017';
    const unknown = await fetchBlob(`${base}/${unknownId}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual({
      code: 'AF20050',
      message: `The specified content (${unknownId}) does not exist.`,
    });
    const malformed = await fetchBlob(`${base}/not-a-content-id`);
    expect(malformed.json.error.code).toBe('AF20052');
    expect((await fetchBlob(`${base}/bad%zzid`)).json.error.code).toBe('AF20052');
    const old = sim.blobs(
      tenantId,
      'Audit.SharePoint',
      new Date(T0.getTime() - 60 * HOUR),
      new Date(T0.getTime() - 59 * HOUR),
    )[0]!;
    clock.set(new Date(Date.parse(old.contentExpiration) + 1000));
    try {
      const expired = await fetchBlob(old.contentUri);
      expect(expired.status).toBe(400);
      expect(expired.json.error).toEqual({
        code: 'AF20051',
        message: `Content requested with the key ${old.contentId} has already expired. Content older than 7 days cannot be retrieved.`,
      });
    } finally {
      clock.set(T0);
    }
  });

  it("records 'blobFetchedTwice' when the same tenant gets a blob twice", async () => {
    const b = sim.blobs(
      tenantId,
      'Audit.General',
      new Date(T0.getTime() - 30 * HOUR),
      new Date(T0.getTime() - 29 * HOUR),
    )[0]!;
    await fetchBlob(b.contentUri);
    expect(sim.requestLog.at(-1)!.violations).not.toContain('blobFetchedTwice');
    await fetchBlob(b.contentUri);
    expect(sim.requestLog.at(-1)).toMatchObject({
      kind: 'blob',
      status: 200,
      contentId: b.contentId,
      contentType: 'Audit.General',
    });
    expect(sim.requestLog.at(-1)!.violations).toContain('blobFetchedTwice');
  });

  it('generates the record types and workloads of each content type', () => {
    const kinds = (ct: ContentType) =>
      new Set(records.get(ct)!.map((r) => `${Number(r.RecordType)}:${r.Workload}`));
    expect(kinds('Audit.AzureActiveDirectory')).toEqual(
      new Set(['15:AzureActiveDirectory', '8:AzureActiveDirectory', '9:AzureActiveDirectory']),
    );
    expect([...kinds('Audit.Exchange')].sort()).toEqual([
      '1:Exchange',
      '2:Exchange',
      '3:Exchange',
      '50:Exchange',
    ]);
    expect(kinds('Audit.SharePoint')).toEqual(
      new Set([
        '4:SharePoint',
        '6:SharePoint',
        '14:SharePoint',
        '36:SharePoint',
        '4:OneDrive',
        '6:OneDrive',
        '14:OneDrive',
        '36:OneDrive',
      ]),
    );
    expect(kinds('Audit.General')).toEqual(
      new Set(['25:MicrosoftTeams', '20:PowerBI', '40:SecurityComplianceCenter', '64:AirInvestigation']),
    );
    expect(kinds('DLP.All')).toEqual(new Set(['13:Exchange', '11:SharePoint', '11:OneDrive']));
    for (const ct of CONTENT_TYPES) {
      for (const r of records.get(ct)!) {
        expect(r).toMatchObject({ OrganizationId: tenantId, Version: 1 });
        expect(r.Id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        // Zone-less, as the service writes CreationTime.
        expect(r.CreationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
        expect(typeof r.Operation).toBe('string');
        expect(r).toHaveProperty('UserKey');
        expect(r).toHaveProperty('ClientIP');
      }
    }
    expect(records.get('Audit.AzureActiveDirectory')!.every((r) => r.ClientIP === null)).toBe(true);
  });

  it('includes the quirks parsers must survive', () => {
    const all = CONTENT_TYPES.flatMap((ct) => records.get(ct)!);
    const alerts = records.get('Audit.General')!.filter((r) => Number(r.RecordType) === 40);
    expect(alerts.some((r) => r.RecordType === '40')).toBe(true);
    expect(alerts.some((r) => r.RecordType === 40)).toBe(true);
    expect(alerts.every((r) => typeof r.Data === 'string' && JSON.parse(r.Data).tid === tenantId)).toBe(true);
    const air = records.get('Audit.General')!.filter((r) => r.RecordType === 64);
    expect(air.length).toBeGreaterThan(0);
    for (const r of air) {
      expect(r.Actions[0].Entities.length).toBeGreaterThan(0);
      expect(JSON.parse(r.Data).Entities.map((e: Json) => e.Type)).toEqual([
        'mailbox',
        'mailMessage',
        'url',
        'ip',
        'mailCluster',
      ]);
    }
    const ips = all.map((r) => r.ClientIP).filter((ip): ip is string => typeof ip === 'string');
    expect(ips.some((ip) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip))).toBe(true);
    expect(ips.some((ip) => /^\[[0-9a-f:]+\]:\d+$/.test(ip))).toBe(true);
    expect(ips.some((ip) => /^[0-9a-f]+:[0-9a-f:]+$/.test(ip))).toBe(true);
    expect(all.some((r) => typeof r.UserType === 'string')).toBe(true);

    // Duplicated Ids inside one blob and across blobs.
    const byBlob = new Map<string, string[]>();
    for (const r of all) byBlob.set(r.__contentId, [...(byBlob.get(r.__contentId) ?? []), r.Id]);
    expect([...byBlob.values()].some((ids) => new Set(ids).size < ids.length)).toBe(true);
    const seenIn = new Map<string, Set<string>>();
    for (const r of all) seenIn.set(r.Id, (seenIn.get(r.Id) ?? new Set()).add(r.__contentId));
    expect([...seenIn.values()].some((blobs) => blobs.size > 1)).toBe(true);
    // Out of order: event times inside a blob are not sorted.
    expect(
      [...byBlob.keys()].some((id) => {
        const times = all.filter((r) => r.__contentId === id).map((r) => r.CreationTime as string);
        return times.some((t, i) => i > 0 && t < times[i - 1]!);
      }),
    ).toBe(true);
  });

  it('puts detected values in DetectedValues and also in the subject, file name and ExceptionInfo', () => {
    const dlp = records.get('DLP.All')!;
    const card = /\b(?:\d{4}[ -]?){3}\d{4}\b/;
    const ssn = /\b\d{3}-\d{2}-\d{4}\b/;
    for (const r of dlp) {
      expect(r.SensitiveInfoDetectionIsIncluded).toBe(true);
      const values = r.PolicyDetails.flatMap((p: Json) =>
        p.Rules.flatMap((ru: Json) =>
          ru.ConditionsMatched.SensitiveInformation.flatMap(
            (si: Json) => si.SensitiveInformationDetections.DetectedValues,
          ),
        ),
      );
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) {
        expect(card.test(v.Name) || ssn.test(v.Name)).toBe(true);
        expect(v.Value).toContain(v.Name);
      }
      const elsewhere = r.RecordType === 13 ? r.ExchangeMetaData.Subject : r.SharePointMetaData.FileName;
      expect(elsewhere).toContain(values[0].Name);
    }
    const exceptions = dlp.map((r) => r.ExceptionInfo).filter((e) => e !== undefined);
    expect(exceptions.some((e) => typeof e === 'string' && JSON.parse(e).Justification)).toBe(true);
    expect(exceptions.some((e) => typeof e === 'object' && typeof e.Justification === 'string')).toBe(true);
    expect(
      dlp.some(
        (r) => r.ExceptionInfo !== undefined && JSON.stringify(r.ExceptionInfo).match(card) !== null,
      ) ||
        dlp.some((r) => r.ExceptionInfo !== undefined && JSON.stringify(r.ExceptionInfo).match(ssn) !== null),
    ).toBe(true);
  });

  it('lists dlpSensitiveTypes and checks Accept-Language', async () => {
    const url = `${sim.apiRoot}/api/v1.0/${tenantId}/activity/feed/resources/dlpSensitiveTypes?PublisherIdentifier=${tenantId}`;
    const token = await http.token();
    const ok = await http.call('GET', url, { token, headers: { 'accept-language': 'en-US' } });
    expect(ok.json).toContainEqual({ id: '50842eb7-edc8-4019-85dd-5a5c1f2bb085', name: 'CreditCardNumber' });
    const two = await http.call('GET', url, { token, headers: { 'accept-language': 'en-US, es' } });
    expect(two.json.error.code).toBe('AF20053');
    const bad = await http.call('GET', url, { token, headers: { 'accept-language': '%%' } });
    expect(bad.json.error.code).toBe('AF20054');
  });

  it('is deterministic: same seed, same tenants, contentIds and records; another seed differs', async () => {
    const twin = await startSimulator({ seed: 42, clock, hours: 72, eventsPerHour: 80 });
    const other = await startSimulator({ seed: 43, clock, hours: 72, eventsPerHour: 80 });
    try {
      expect(twin.tenants[0]!.tenantId).toBe(tenantId);
      for (const ct of CONTENT_TYPES) {
        const a = sim.blobs(tenantId, ct);
        const b = twin.blobs(tenantId, ct);
        expect(b.map((x) => x.contentId)).toEqual(a.map((x) => x.contentId));
        expect(twin.expectedEventIds(tenantId, ct)).toEqual(sim.expectedEventIds(tenantId, ct));
        expect(twin.blobRecords(tenantId, a[3]!.contentId)).toEqual(
          sim.blobRecords(tenantId, a[3]!.contentId),
        );
      }
      expect(other.tenants[0]!.tenantId).not.toBe(tenantId);
    } finally {
      await twin.close();
      await other.close();
    }
  });
});
