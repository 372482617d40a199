/**
 * Tenant management (function key): GET /api/tenants; POST /api/tenants/{tenantId} (add);
 * DELETE /api/tenants/{tenantId}[?stopSubscriptions=true]; POST /api/tenants/{tenantId}/disable|enable.
 */
import azureFunctions from '@azure/functions';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { CONTENT_TYPES } from '../shared/content-types.js';
import { InvalidInputError } from '../shared/errors.js';
import type { Runtime } from '../shared/runtime.js';
import { onboardDeps } from '../shared/tenants/deps.js';
import {
  addTenant,
  listTenants,
  removeTenant,
  setTenantState,
  TenantOperationError,
} from '../shared/tenants/manage.js';
import type { OnboardDeps } from '../shared/tenants/onboard.js';
import { adminRoute, json, readJsonObject } from './_http.js';
import { sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

type Overrides = (rt: Runtime) => Partial<OnboardDeps>;
type TenantHandler = (deps: OnboardDeps, request: HttpRequest) => Promise<HttpResponseInit>;

const names = z.array(z.string().trim().min(1).max(256)).max(1000);
const addBody = z.strictObject({
  displayName: z.string().trim().min(1).max(256).optional(),
  contentTypes: z.array(z.enum(CONTENT_TYPES)).min(1).optional(),
  filter: z
    .strictObject({
      operations: names.optional(),
      statuses: names.optional(),
      policies: names.optional(),
      mode: z.enum(['exclude', 'include']).optional(),
    })
    .optional(),
  skipCheck: z.boolean().optional(),
});

/** adminRoute with the tenant operations' refusals answered with their own status. */
function tenantRoute(provider: RuntimeProvider, overrides: Overrides, handler: TenantHandler) {
  return adminRoute(provider, async (rt, request) => {
    try {
      return await handler(onboardDeps(rt, overrides(rt)), request);
    } catch (err) {
      if (err instanceof TenantOperationError) return json(err.status, { error: err.message });
      throw err;
    }
  });
}

function flag(request: HttpRequest, name: string): boolean {
  const v = request.query.get(name);
  if (v === null || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw new InvalidInputError(`${name} must be true or false`);
}

export const makeListTenantsHandler = (provider: RuntimeProvider, overrides: Overrides = () => ({})) =>
  tenantRoute(provider, overrides, async (deps) => json(200, { tenants: await listTenants(deps) }));

export const makeAddTenantHandler = (provider: RuntimeProvider, overrides: Overrides = () => ({})) =>
  tenantRoute(provider, overrides, async (deps, request) => {
    const parsed = addBody.safeParse(await readJsonObject(request));
    if (!parsed.success)
      throw new InvalidInputError(
        `bad body: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      );
    const r = await addTenant(deps, {
      ...parsed.data,
      tenantId: request.params.tenantId ?? '',
      source: 'http',
    });
    return json(r.created ? 201 : 200, {
      message: r.message,
      tenant: r.record,
      ...(r.subscriptions ? { subscriptions: r.subscriptions } : {}),
    });
  });

export const makeRemoveTenantHandler = (provider: RuntimeProvider, overrides: Overrides = () => ({})) =>
  tenantRoute(provider, overrides, async (deps, request) => {
    const stopSubscriptions = flag(request, 'stopSubscriptions');
    const r = await removeTenant(deps, request.params.tenantId ?? '', { stopSubscriptions });
    // The row is gone either way; a stop the API refused is an upstream failure to report.
    return json(r.subscriptions?.failed.length ? 502 : 200, {
      message: r.message,
      tenant: r.record,
      ...(r.subscriptions ? { subscriptions: r.subscriptions } : {}),
    });
  });

export const makeSetTenantStateHandler = (
  provider: RuntimeProvider,
  state: 'enabled' | 'disabled',
  overrides: Overrides = () => ({}),
) =>
  tenantRoute(provider, overrides, async (deps, request) => {
    const r = await setTenantState(deps, request.params.tenantId ?? '', state, 'http');
    return json(200, { message: r.message, ...(r.record ? { tenant: r.record } : {}) });
  });

app.http('tenantsList', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'tenants',
  handler: makeListTenantsHandler(sharedRuntime),
});
app.http('tenantsAdd', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'tenants/{tenantId}',
  handler: makeAddTenantHandler(sharedRuntime),
});
app.http('tenantsRemove', {
  methods: ['DELETE'],
  authLevel: 'function',
  route: 'tenants/{tenantId}',
  handler: makeRemoveTenantHandler(sharedRuntime),
});
app.http('tenantsDisable', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'tenants/{tenantId}/disable',
  handler: makeSetTenantStateHandler(sharedRuntime, 'disabled'),
});
app.http('tenantsEnable', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'tenants/{tenantId}/enable',
  handler: makeSetTenantStateHandler(sharedRuntime, 'enabled'),
});
