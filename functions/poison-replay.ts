/** POST /api/poison/replay {"max": N}: move poison messages back to the content queue. */
import azureFunctions from '@azure/functions';
import { z } from 'zod';
import { InvalidInputError } from '../shared/errors.js';
import { replayPoison } from '../shared/ops/admin.js';
import { json, readJsonObject, adminRoute } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

const body = z.strictObject({ max: z.int().min(1).max(10_000).optional() });

export const makePoisonReplayHandler = (provider: RuntimeProvider) =>
  adminRoute(provider, async (rt, request) => {
    const parsed = body.safeParse(await readJsonObject(request));
    if (!parsed.success)
      throw new InvalidInputError('bad body: accepted {"max": an integer from 1 to 10000}');
    return json(200, await replayPoison(rt, parsed.data.max ?? 100));
  });

app.http('poisonReplay', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'poison/replay',
  handler: makePoisonReplayHandler(sharedRuntime),
});
