/** GET /api/content?contentType&startTime&endTime: what the API lists for one window. */
import azureFunctions from '@azure/functions';
import { listContent, parseWindowArgs, requireContentType } from '../shared/ops/admin.js';
import { json, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export const makeContentHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt, request) => {
    const contentType = requireContentType(request.query.get('contentType'));
    const window = parseWindowArgs(
      request.query.get('startTime'),
      request.query.get('endTime'),
      rt.clock.now(),
    );
    return json(200, await listContent(rt, contentType, window));
  });

app.http('content', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'content',
  handler: makeContentHandler(sharedRuntime),
});
