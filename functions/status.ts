/** GET /api/status: checkpoints, lag, ledger counts, lost windows, queue and poison depth. */
import azureFunctions from '@azure/functions';
import { collectStatus } from '../shared/ops/status.js';
import { json, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export const makeStatusHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt) => json(200, await collectStatus(rt)));

app.http('status', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'status',
  handler: makeStatusHandler(sharedRuntime),
});
