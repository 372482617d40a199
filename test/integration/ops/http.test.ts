/**
 * The admin HTTP handlers with real HttpRequest objects, a runtime on the simulator (HTTPS, real
 * msal-node) and Azurite: happy paths, 400 with a reason for bad input, 5xx with the message when
 * the API or the configuration fails.
 */
import type { HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_TYPES } from '../../../shared/content-types.js';
import { createRuntime } from '../../../shared/runtime.js';
import { PING_OK } from '../../../shared/ops/admin.js';
import { makeContentHandler } from '../../../functions/content.js';
import { makeHealthHandler } from '../../../functions/health.js';
import { makePingHandler } from '../../../functions/ping.js';
import { makePoisonReplayHandler } from '../../../functions/poison-replay.js';
import { makeStatusHandler } from '../../../functions/status.js';
import {
  makeListSubscriptionsHandler,
  makeStartSubscriptionHandler,
  makeStopSubscriptionHandler,
} from '../../../functions/subscriptions.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { context, request, simEnv, simRuntime } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read loosely typed JSON bodies
type Body = any;
const body = (r: HttpResponseInit): Body => r.jsonBody;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('admin HTTP handlers', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, hours: 24, eventsPerHour: 60 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const handlers = async (extra: Record<string, string> = {}) => {
    const rt = await simRuntime(sim, simEnv(sim, extra));
    const provider = () => rt;
    return {
      rt,
      health: makeHealthHandler(provider),
      ping: makePingHandler(provider),
      list: makeListSubscriptionsHandler(provider),
      start: makeStartSubscriptionHandler(provider),
      stop: makeStopSubscriptionHandler(provider),
      content: makeContentHandler(provider),
      status: makeStatusHandler(provider),
      replay: makePoisonReplayHandler(provider),
    };
  };

  it('GET /api/health answers ok with the tenant and content types, without an API call', async () => {
    const h = await handlers();
    const calls = sim.requestLog.length;
    const r = await h.health(request({ method: 'GET', route: 'health' }), context().ctx);
    expect(r.status).toBe(200);
    expect(body(r)).toEqual({
      status: 'ok',
      tenantId: sim.tenants[0]!.tenantId,
      contentTypes: [...CONTENT_TYPES],
    });
    expect(sim.requestLog.length).toBe(calls);
  });

  it('a configuration error answers 500 naming the setting', async () => {
    const provider = () => createRuntime({ env: { O365_CLIENT_ID: 'x' } });
    const { ctx, lines } = context();
    const r = await makeHealthHandler(provider)(request({ method: 'GET', route: 'health' }), ctx);
    expect(r.status).toBe(500);
    expect(JSON.stringify(body(r))).toContain('O365_TENANT_ID');
    expect(lines.join('\n')).toContain('O365_TENANT_ID');
  });

  it('POST /api/ping: the exact success message, and 502 with the failure message on a wrong secret', async () => {
    const ok = await (await handlers()).ping(request({ method: 'POST', route: 'ping' }), context().ctx);
    expect(ok.status).toBe(200);
    expect(body(ok)).toEqual({ message: PING_OK });
    expect(PING_OK).toBe(
      'Successfully connected to the O365 Management API with the provided connection parameters!',
    );

    const bad = await (
      await handlers({ O365_CLIENT_SECRET: 'not-the-secret' })
    ).ping(request({ method: 'POST', route: 'ping' }), context().ctx);
    expect(bad.status).toBe(502);
    expect(body(bad).message).toMatch(
      /^Failed to connect to the O365 Management API! Error is token request failed \(secret\): invalid_client/,
    );
    expect(body(bad).message).not.toContain('not-the-secret');
  });

  it('GET /api/subscriptions lists every content type enabled', async () => {
    const r = await (
      await handlers()
    ).list(request({ method: 'GET', route: 'subscriptions' }), context().ctx);
    expect(r.status).toBe(200);
    const subs = body(r) as Array<{ contentType: string; status: string }>;
    expect(subs.map((s) => s.contentType).sort()).toEqual([...CONTENT_TYPES].sort());
    expect(subs.every((s) => s.status === 'enabled')).toBe(true);
  });

  it('upstream failure: subscriptions with a wrong secret answer 5xx with the message', async () => {
    const h = await handlers({ O365_CLIENT_SECRET: 'not-the-secret' });
    const r = await h.list(request({ method: 'GET', route: 'subscriptions' }), context().ctx);
    // The token endpoint refused the secret: an upstream failure (502), with Entra's reason.
    expect(r.status).toBe(502);
    expect(body(r).error).toMatch(/^token request failed \(secret\): invalid_client/);
    expect(body(r).error).not.toContain('not-the-secret');
  });

  it('POST /api/subscriptions/{type}/stop then start: exact messages, visible in the subscription list', async () => {
    const h = await handlers();
    const stop = await h.stop(
      request({
        method: 'POST',
        route: 'subscriptions/Audit.Exchange/stop',
        params: { contentType: 'Audit.Exchange' },
      }),
      context().ctx,
    );
    expect(stop.status).toBe(200);
    expect(body(stop)).toEqual({
      message: 'Successfully stopped O365 Management API subscription for the Audit.Exchange content type!',
    });
    let subs = body(
      await h.list(request({ method: 'GET', route: 'subscriptions' }), context().ctx),
    ) as Body[];
    expect(subs.find((s: Body) => s.contentType === 'Audit.Exchange').status).toBe('disabled');

    const start = await h.start(
      request({
        method: 'POST',
        route: 'subscriptions/Audit.Exchange/start',
        params: { contentType: 'Audit.Exchange' },
      }),
      context().ctx,
    );
    expect(start.status).toBe(200);
    expect(body(start)).toEqual({
      message: 'Successfully created O365 Management API subscription for the Audit.Exchange content type!',
    });
    subs = body(await h.list(request({ method: 'GET', route: 'subscriptions' }), context().ctx)) as Body[];
    expect(subs.find((s: Body) => s.contentType === 'Audit.Exchange').status).toBe('enabled');
  });

  it('upstream failure: start with a webhook the API cannot validate answers 502 with the API message, and no function key travels back or into a log', async () => {
    const h = await handlers();
    // Function keys: the webhook's own (in its address) and the caller's (in the request URL and header).
    const webhookKey = 'whK3y_aZ9x-Qm2Lp7Tn4Rv8Ws1Yb6Cd0Ef5Gh3Jk9Mn2Pq7St4Uv8Wx1Yz6Ab0';
    const callerKey = 'cALLer-K3y_Zq8Wm2Xn5Rb7Tc4Vd1Ye9Uf6Gh3Jk0Lp2Mn7Qs4Rt8Vw1Xy6Za5';
    // Nothing listens on port 1: the service's validation POST fails, so it refuses the webhook.
    const address = `https://127.0.0.1:1/api/notifications?code=${webhookKey}`;
    const { ctx, lines } = context();
    const r = await h.start(
      request({
        method: 'POST',
        route: 'subscriptions/Audit.General/start',
        params: { contentType: 'Audit.General' },
        query: { code: callerKey },
        headers: { 'x-functions-key': callerKey },
        body: JSON.stringify({ webhook: { address, authId: 'auth-1' } }),
      }),
      ctx,
    );
    expect(r.status).toBe(502);
    const reason = body(r).error as string;
    expect(reason).toContain('AF20021');
    expect(reason).toContain('https://127.0.0.1:1/api/notifications');
    expect(lines.join('\n')).toContain('http.failed');
    for (const key of [webhookKey, callerKey]) {
      expect(reason).not.toContain(key);
      expect(lines.join('\n')).not.toContain(key);
    }
  });

  it('subscriptions: 400 with a reason for an unknown type, a non-JSON body, a bad webhook address or unknown fields', async () => {
    const h = await handlers();
    const calls = sim.requestLog.length;
    const unknown = await h.start(
      request({
        method: 'POST',
        route: 'subscriptions/Audit.Nope/start',
        params: { contentType: 'Audit.Nope' },
      }),
      context().ctx,
    );
    expect(unknown.status).toBe(400);
    expect(body(unknown).error).toContain("unknown content type 'Audit.Nope'");
    expect(body(unknown).error).toContain('Audit.AzureActiveDirectory');

    const stopUnknown = await h.stop(
      request({ method: 'POST', route: 'subscriptions/x/stop', params: { contentType: 'x' } }),
      context().ctx,
    );
    expect(stopUnknown.status).toBe(400);
    expect(body(stopUnknown).error).toContain("unknown content type 'x'");

    const start = (b: string) =>
      h.start(
        request({
          method: 'POST',
          route: 'subscriptions/DLP.All/start',
          params: { contentType: 'DLP.All' },
          body: b,
        }),
        context().ctx,
      );
    const notJson = await start('{webhook:');
    expect(notJson.status).toBe(400);
    expect(body(notJson).error).toBe('request body is not JSON');

    const array = await start('[1]');
    expect(array.status).toBe(400);
    expect(body(array).error).toBe('request body must be a JSON object');

    const http = await start(
      JSON.stringify({ webhook: { address: 'http://app.example.net/api/notifications' } }),
    );
    expect(http.status).toBe(400);
    expect(body(http).error).toContain('webhook.address');
    expect(body(http).error).toContain('https');

    const notUrl = await start(JSON.stringify({ webhook: { address: 'not a url' } }));
    expect(notUrl.status).toBe(400);
    expect(body(notUrl).error).toContain('webhook.address');

    const extra = await start(JSON.stringify({ hook: {} }));
    expect(extra.status).toBe(400);
    expect(body(extra).error).toMatch(/^bad body: /);
    // Refused before any API call.
    expect(sim.requestLog.length).toBe(calls);
  });

  it('GET /api/content lists the window, like the simulator lists it', async () => {
    const h = await handlers();
    const tenantId = sim.tenants[0]!.tenantId;
    const end = Date.now() - 60 * 60_000;
    const start = end - 6 * 60 * 60_000;
    const r = await h.content(
      request({
        method: 'GET',
        route: 'content',
        query: { contentType: 'Audit.SharePoint', startTime: iso(start), endTime: iso(end) },
      }),
      context().ctx,
    );
    expect(r.status).toBe(200);
    const got = (body(r) as Array<{ contentId: string }>).map((i) => i.contentId).sort();
    const truth = sim
      .blobs(
        tenantId,
        'Audit.SharePoint',
        new Date(Math.floor(start / 1000) * 1000),
        new Date(Math.floor(end / 1000) * 1000),
      )
      .map((b) => b.contentId)
      .sort();
    expect(truth.length).toBeGreaterThan(0);
    expect(got).toEqual(truth);
  });

  it('content: 400 with a reason, before any API call, for bad parameters', async () => {
    const h = await handlers();
    const calls = sim.requestLog.length;
    const now = Date.now();
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "unknown content type ''"],
      [{ contentType: 'Audit.Nope' }, "unknown content type 'Audit.Nope'"],
      [{ contentType: 'DLP.All', startTime: 'yesterday' }, "startTime 'yesterday' is not a date"],
      [
        { contentType: 'DLP.All', startTime: iso(now - 3_600_000), endTime: iso(now - 7_200_000) },
        'startTime must be before endTime',
      ],
      [
        { contentType: 'DLP.All', startTime: iso(now - 25 * 3_600_000), endTime: iso(now) },
        'at most 24 hours',
      ],
      [
        {
          contentType: 'DLP.All',
          startTime: iso(now - 8 * 86_400_000),
          endTime: iso(now - 8 * 86_400_000 + 3_600_000),
        },
        'at most 7 days in the past',
      ],
    ];
    for (const [query, reason] of cases) {
      const r = await h.content(request({ method: 'GET', route: 'content', query }), context().ctx);
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
      expect(body(r).error).toContain(reason);
    }
    expect(sim.requestLog.length).toBe(calls);
  });

  it('content: an API error (no subscription for the type) answers 5xx with the message', async () => {
    const h = await handlers();
    sim.stopSubscription(sim.tenants[0]!.tenantId, 'Audit.AzureActiveDirectory');
    try {
      const r = await h.content(
        request({ method: 'GET', route: 'content', query: { contentType: 'Audit.AzureActiveDirectory' } }),
        context().ctx,
      );
      expect(r.status).toBe(502);
      expect(body(r).error).toMatch(/AF2002[23]|subscription/i);
    } finally {
      await h.start(
        request({
          method: 'POST',
          route: 'subscriptions/Audit.AzureActiveDirectory/start',
          params: { contentType: 'Audit.AzureActiveDirectory' },
        }),
        context().ctx,
      );
    }
  });

  it('GET /api/status reports every content type and the queue depths', async () => {
    const h = await handlers();
    await h.rt.clients.queue.sendMessage(Buffer.from('{}').toString('base64'));
    await h.rt.clients.poison.sendMessage('x');
    await h.rt.clients.poison.sendMessage('y');
    const r = await h.status(request({ method: 'GET', route: 'status' }), context().ctx);
    expect(r.status).toBe(200);
    const s = body(r);
    expect(s.tenantId).toBe(sim.tenants[0]!.tenantId);
    expect(s.queue).toEqual({ depth: 1, poison: 2 });
    expect(s.contentTypes.map((t: Body) => t.contentType)).toEqual([...CONTENT_TYPES]);
    for (const t of s.contentTypes) expect(t.ledger).toEqual({ enqueued: 0, done: 0, failed: 0, expired: 0 });
  });

  it('POST /api/poison/replay moves at most max messages back, text unchanged', async () => {
    const h = await handlers();
    const texts = ['a', 'b', 'c', 'd', 'e'].map((t) => Buffer.from(`{"m":"${t}"}`).toString('base64'));
    for (const t of texts) await h.rt.clients.poison.sendMessage(t);
    const r = await h.replay(
      request({ method: 'POST', route: 'poison/replay', body: '{"max":3}' }),
      context().ctx,
    );
    expect(r.status).toBe(200);
    expect(body(r)).toEqual({ replayed: 3 });
    expect(await h.rt.queue.depth()).toEqual({ queue: 3, poison: 2 });
    const moved = await h.rt.clients.queue.receiveMessages({ numberOfMessages: 32 });
    for (const m of moved.receivedMessageItems) expect(texts).toContain(m.messageText);

    const rest = await h.replay(request({ method: 'POST', route: 'poison/replay' }), context().ctx);
    expect(body(rest)).toEqual({ replayed: 2 });
    expect((await h.rt.queue.depth()).poison).toBe(0);
  });

  it('poison replay: 400 with the accepted shape for a bad max or body', async () => {
    const h = await handlers();
    await h.rt.clients.poison.sendMessage('keep');
    for (const b of [
      '{"max":0}',
      '{"max":10001}',
      '{"max":"3"}',
      '{"max":1.5}',
      '{"count":3}',
      'max=3',
      '[]',
    ]) {
      const r = await h.replay(request({ method: 'POST', route: 'poison/replay', body: b }), context().ctx);
      expect({ b, status: r.status }).toEqual({ b, status: 400 });
      expect(body(r).error).toMatch(
        /bad body: accepted \{"max": an integer from 1 to 10000\}|not JSON|JSON object/,
      );
    }
    expect((await h.rt.queue.depth()).poison).toBe(1);
  });
});
