/** GET /api/subscriptions; POST /api/subscriptions/{contentType}/start|stop. */
import azureFunctions from '@azure/functions';
import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { InvalidInputError } from '../shared/errors.js';
import { requireContentType, startSubscription, stopSubscription } from '../shared/ops/admin.js';
import { json, readJsonObject, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

const startBody = z.strictObject({
  webhook: z
    .strictObject({
      address: z.url({ protocol: /^https$/, error: 'must be an https URL' }),
      authId: z.string().max(256).optional(),
      expiration: z.string().nullable().optional(),
    })
    .optional(),
});

export const makeListSubscriptionsHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt) => json(200, await rt.api.listSubscriptions()));

export const makeStartSubscriptionHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt, request: HttpRequest) => {
    const contentType = requireContentType(request.params.contentType);
    const parsed = startBody.safeParse(await readJsonObject(request));
    if (!parsed.success)
      throw new InvalidInputError(
        `bad body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return json(200, { message: await startSubscription(rt, contentType, parsed.data.webhook) });
  });

export const makeStopSubscriptionHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt, request: HttpRequest) => {
    const contentType = requireContentType(request.params.contentType);
    return json(200, { message: await stopSubscription(rt, contentType) });
  });

app.http('subscriptionsList', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'subscriptions',
  handler: makeListSubscriptionsHandler(sharedRuntime),
});
app.http('subscriptionsStart', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'subscriptions/{contentType}/start',
  handler: makeStartSubscriptionHandler(sharedRuntime),
});
app.http('subscriptionsStop', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'subscriptions/{contentType}/stop',
  handler: makeStopSubscriptionHandler(sharedRuntime),
});
