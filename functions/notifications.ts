/**
 * POST /api/notifications: the Management API webhook. Register it with the function key in the
 * address (`https://<app>/api/notifications?code=<key>`) and an authId (O365_WEBHOOK_AUTH_ID).
 */
import azureFunctions from '@azure/functions';
import { handleNotification } from '../shared/ops/webhook.js';
import { json, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export const makeNotificationsHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt, request) => {
    const r = await handleNotification(rt, request.headers.get('webhook-authid'), await request.text());
    return json(r.status, r.body);
  });

app.http('notifications', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'notifications',
  handler: makeNotificationsHandler(sharedRuntime),
});
