/**
 * Every HTTP route (functions/*.ts factories) with bad bodies, parameters and headers, against a
 * real Runtime (simulator + Azurite): a 4xx with a clear reason, never a 500, never a throw. The
 * webhook gets hostile payloads; a good notification next to forged ones is still enqueued.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContentHandler } from '../../../functions/content.js';
import { makeHealthHandler } from '../../../functions/health.js';
import { makeNotificationsHandler } from '../../../functions/notifications.js';
import { makePingHandler } from '../../../functions/ping.js';
import { makePoisonReplayHandler } from '../../../functions/poison-replay.js';
import { makeStatusHandler } from '../../../functions/status.js';
import {
  makeListSubscriptionsHandler,
  makeStartSubscriptionHandler,
  makeStopSubscriptionHandler,
} from '../../../functions/subscriptions.js';
import {
  makeAddTenantHandler,
  makeRemoveTenantHandler,
  makeSetTenantStateHandler,
} from '../../../functions/tenants.js';
import { startTestPipeline, type TestPipeline } from '../../helpers/pipeline.js';
import { leaksIn, startTrap, type Trap } from './helpers.js';

const AUTH_ID = 'webhook-auth-id-for-tests';
let p: TestPipeline;
let trap: Trap;
const ctxLines: string[] = [];
beforeAll(async () => {
  trap = await startTrap();
  p = await startTestPipeline({ seed: 13, hours: 2, eventsPerHour: 20 }, { O365_WEBHOOK_AUTH_ID: AUTH_ID });
});
afterAll(async () => {
  await p?.close();
  await trap?.close();
});

type Factory = (
  provider: () => TestPipeline['rt'],
) => (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>;

async function call(
  factory: Factory,
  init: {
    method: string;
    route: string;
    body?: string;
    headers?: Record<string, string>;
    params?: Record<string, string>;
    query?: Record<string, string>;
  },
) {
  const url = new URL(`https://app.example.net/api/${init.route}`);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const request = new HttpRequest({
    method: init.method,
    url: url.href,
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
    headers: init.headers ?? {},
    params: init.params ?? {},
    query: init.query ?? {},
  });
  const context = new InvocationContext({
    functionName: init.route,
    logHandler: (level, ...args) => ctxLines.push(`${level}: ${args.map(String).join(' ')}`),
  });
  const res = await factory(() => p.rt)(request, context);
  return { status: res.status ?? 200, body: res.jsonBody as Record<string, unknown> };
}

const HOSTILE_BODIES = [
  'not json',
  '[1,2]',
  '"text"',
  'null',
  '{"a":',
  '{}'.padEnd(200_000, ' '),
  '\u0000\uffff',
];

describe('HTTP routes with bad input', () => {
  it.each([
    [
      'start: unknown content type',
      makeStartSubscriptionHandler,
      { params: { contentType: 'Audit.Nope' }, body: '{}' },
    ],
    [
      'start: path trick',
      makeStartSubscriptionHandler,
      { params: { contentType: '../../Audit.Exchange' }, body: '{}' },
    ],
    ['start: empty content type', makeStartSubscriptionHandler, { params: { contentType: '' }, body: '{}' }],
    [
      'start: not JSON',
      makeStartSubscriptionHandler,
      { params: { contentType: 'Audit.Exchange' }, body: 'not json' },
    ],
    ['start: array', makeStartSubscriptionHandler, { params: { contentType: 'Audit.Exchange' }, body: '[]' }],
    [
      'start: http webhook',
      makeStartSubscriptionHandler,
      { params: { contentType: 'Audit.Exchange' }, body: '{"webhook":{"address":"http://x.example"}}' },
    ],
    [
      'start: extra field',
      makeStartSubscriptionHandler,
      { params: { contentType: 'Audit.Exchange' }, body: '{"admin":true}' },
    ],
    [
      'start: long authId',
      makeStartSubscriptionHandler,
      {
        params: { contentType: 'Audit.Exchange' },
        body: JSON.stringify({ webhook: { address: 'https://x.example', authId: 'a'.repeat(300) } }),
      },
    ],
    ['stop: unknown content type', makeStopSubscriptionHandler, { params: { contentType: 'DLP.None' } }],
    ['content: no content type', makeContentHandler, { query: {} }],
    [
      'content: start not a date',
      makeContentHandler,
      { query: { contentType: 'Audit.Exchange', startTime: 'yesterday' } },
    ],
    [
      'content: window over 24h',
      makeContentHandler,
      {
        query: {
          contentType: 'Audit.Exchange',
          startTime: new Date(Date.now() - 30 * 3_600_000).toISOString(),
          endTime: new Date().toISOString(),
        },
      },
    ],
    [
      'content: end before start',
      makeContentHandler,
      {
        query: {
          contentType: 'Audit.Exchange',
          startTime: new Date().toISOString(),
          endTime: new Date(Date.now() - 3_600_000).toISOString(),
        },
      },
    ],
    [
      'content: older than 7 days',
      makeContentHandler,
      {
        query: {
          contentType: 'Audit.Exchange',
          startTime: new Date(Date.now() - 9 * 86_400_000).toISOString(),
          endTime: new Date(Date.now() - 9 * 86_400_000 + 3_600_000).toISOString(),
        },
      },
    ],
    ['poison replay: zero', makePoisonReplayHandler, { body: '{"max":0}' }],
    ['poison replay: string', makePoisonReplayHandler, { body: '{"max":"5"}' }],
    ['poison replay: huge', makePoisonReplayHandler, { body: '{"max":1e12}' }],
    ['poison replay: not JSON', makePoisonReplayHandler, { body: '{max:1}' }],
    ['poison replay: array', makePoisonReplayHandler, { body: '[1]' }],
    ['tenants add: path trick', makeAddTenantHandler, { params: { tenantId: '../subscriptions' } }],
    ['tenants add: empty id', makeAddTenantHandler, { params: { tenantId: '' } }],
    [
      'tenants add: braced GUID',
      makeAddTenantHandler,
      { params: { tenantId: '{0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9}' } },
    ],
    ...HOSTILE_BODIES.filter((b) => b.trim() !== '{}').map(
      (body) =>
        [
          `tenants add: body ${JSON.stringify(body.slice(0, 10))}`,
          makeAddTenantHandler,
          { params: { tenantId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' }, body },
        ] as const,
    ),
    [
      'tenants add: skipCheck a string',
      makeAddTenantHandler,
      { params: { tenantId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' }, body: '{"skipCheck":"yes"}' },
    ],
    [
      'tenants remove: stopSubscriptions not a boolean',
      makeRemoveTenantHandler,
      { params: { tenantId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' }, query: { stopSubscriptions: 'yes' } },
    ],
    [
      'tenants disable: not a GUID',
      (provider: () => TestPipeline['rt']) => makeSetTenantStateHandler(provider, 'disabled'),
      { params: { tenantId: 'drop table' } },
    ],
  ] as const)('%s → 400 with a reason', async (_name, factory, init) => {
    const r = await call(factory, { method: 'POST', route: 'x', ...init });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(typeof r.body.error === 'string' && r.body.error.length > 5).toBe(true);
  });

  it.each([
    ['health', makeHealthHandler],
    ['status', makeStatusHandler],
    ['subscriptions list', makeListSubscriptionsHandler],
    ['ping', makePingHandler],
  ] as const)('%s ignores hostile bodies and answers normally', async (_name, factory) => {
    for (const body of HOSTILE_BODIES) {
      const r = await call(factory, { method: 'POST', route: 'x', body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });
});

describe('webhook payloads', () => {
  const tenantId = () => p.sim.tenants[0]!.tenantId;
  const notify = (body: string, authId: string | null = AUTH_ID) =>
    call(makeNotificationsHandler, {
      method: 'POST',
      route: 'notifications',
      body,
      headers: authId === null ? {} : { 'Webhook-AuthID': authId },
    });

  it('refuses missing or wrong auth ids and bad bodies with a clear status', async () => {
    expect((await notify('[]', null)).status).toBe(401);
    expect((await notify('[]', `${AUTH_ID}x`)).status).toBe(401);
    expect((await notify('[]', AUTH_ID.slice(0, -1))).status).toBe(401);
    for (const body of [
      'not json',
      '{"a":',
      '"text"',
      'null',
      '{"tenantId":"x"}',
      '[1]',
      '[{"contentId":5}]',
    ]) {
      const r = await notify(body);
      expect(r.status, body).toBe(400);
      expect(String(r.body.error)).not.toBe('');
    }
    const many = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ contentId: i })));
    expect((await notify(many)).status).toBe(400);
    expect((await notify('{"validationCode":"abc123"}')).body).toEqual({ validationCode: 'abc123' });
  });

  it('enqueues the good notification next to forged ones, sending no token anywhere', async () => {
    const good = p.sim.blobs(tenantId(), 'Audit.General')[0]!;
    const item = {
      tenantId: tenantId(),
      clientId: p.sim.tenants[0]!.clientId,
      contentType: good.contentType,
      contentId: good.contentId,
      contentUri: good.contentUri,
      contentCreated: good.contentCreated,
      contentExpiration: good.contentExpiration,
    };
    const forged = [
      {
        ...item,
        contentId: 'f1',
        contentUri: `${trap.origin}/api/v1.0/${tenantId()}/activity/feed/audit/f1`,
      },
      { ...item, contentId: 'f2', tenantId: '11111111-2222-3333-4444-555555555555' },
      { ...item, contentId: 'f3', contentUri: item.contentUri.replace('https:', 'http:') },
      {
        ...item,
        contentId: 'f4',
        contentUri: `https://${new URL(p.sim.apiRoot).host}@${trap.origin.slice(8)}/x`,
      },
    ];
    const r = await notify(JSON.stringify([forged[0], item, ...forged.slice(1)]));
    expect(r.status).toBe(200);
    expect(r.body.enqueued).toBe(1);
    expect((r.body.refused as unknown[]).length).toBe(forged.length);
    const row = await p.rt.ledger.get(tenantId(), good.contentType, good.contentId, good.contentCreated);
    expect(row?.state).toBe('enqueued');
    expect((await p.rt.clients.queue.getProperties()).approximateMessagesCount).toBe(1);
    expect(trap.connections()).toBe(0);
    expect(leaksIn([...p.logs.lines, ...ctxLines], p.sim.tenants[0]!)).toEqual([]);
    expect([...p.logs.lines, ...ctxLines].join('\n')).not.toContain(AUTH_ID);
  });
});
