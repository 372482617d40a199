/** GET /api/health: the app is loaded and its configuration is valid (no API call). */
import azureFunctions from '@azure/functions';
import { json, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export const makeHealthHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, (rt) =>
    Promise.resolve(
      json(200, { status: 'ok', tenantId: rt.config.tenantId, contentTypes: rt.config.contentTypes }),
    ),
  );

app.http('health', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'health',
  handler: makeHealthHandler(sharedRuntime),
});
