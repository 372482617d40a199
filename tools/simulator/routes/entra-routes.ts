/** Routing of the login host paths onto the Entra service. */
import type { EntraReply, EntraService } from '../entra.js';
import type { RequestKind } from '../types.js';
import type { Reply } from './reply.js';

export interface LoginRoute {
  kind: RequestKind;
  tenantId?: string;
  handle(method: string, body: string): Reply;
}

function toReply(r: EntraReply): Reply {
  return { status: r.status, body: r.body, ...(r.code ? { afCode: r.code } : {}) };
}

const get = (kind: RequestKind, tenantId: string | undefined, f: () => EntraReply): LoginRoute => ({
  kind,
  ...(tenantId ? { tenantId } : {}),
  handle: (method) =>
    method === 'GET'
      ? toReply(f())
      : { status: 405, body: { error: 'invalid_request', error_description: 'GET only' } },
});

/** undefined when the path is not a login path. */
export function matchLogin(entra: EntraService, pathname: string): LoginRoute | undefined {
  const parts = pathname.split('/').filter(Boolean);
  const [tenant, ...rest] = parts;
  if (!tenant) return undefined;
  const tail = rest.join('/');
  if (tenant === 'common' && tail === 'discovery/instance')
    return get('discovery', undefined, () => entra.instanceDiscovery());
  if (tail === 'v2.0/.well-known/openid-configuration')
    return get('discovery', tenant, () => entra.openIdConfiguration(tenant, true));
  if (tail === '.well-known/openid-configuration')
    return get('discovery', tenant, () => entra.openIdConfiguration(tenant, false));
  if (tail === 'discovery/v2.0/keys' || tail === 'discovery/keys')
    return get('discovery', tenant, () => entra.jwks());
  if (tail === 'oauth2/v2.0/token' || tail === 'oauth2/token') {
    const v2 = tail.includes('v2.0');
    return {
      kind: 'token',
      tenantId: tenant,
      handle: (method, body) =>
        method === 'POST'
          ? toReply(entra.token(tenant, new URLSearchParams(body), v2))
          : { status: 405, body: { error: 'invalid_request', error_description: 'POST only' } },
    };
  }
  return undefined;
}
