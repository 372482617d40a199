/** POST /api/ping: connectivity test (token + subscriptions/list). */
import azureFunctions from '@azure/functions';
import { ping } from '../shared/ops/admin.js';
import { json, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export const makePingHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt) => {
    const r = await ping(rt);
    return json(r.ok ? 200 : 502, { message: r.message });
  });

app.http('ping', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'ping',
  handler: makePingHandler(sharedRuntime),
});
