/**
 * A minimal Microsoft Entra ID: OpenID discovery, instance discovery, JWKS and the token endpoint
 * for client credentials (secret or certificate assertion) and refresh tokens, answering the
 * way login.microsoftonline.com does, so `@azure/msal-node` works against it unmodified.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { decodeJwt, signRs256, verifyJwtSignature } from './jwt.js';
import type { SimClock } from './types.js';
import type { TenantRecord } from './tenants.js';

export interface EntraReply {
  status: number;
  body: unknown;
  /** AADSTS code of an error answer, for the request log. */
  code?: string;
}

export interface AccessClaims {
  tid: string;
  appid: string;
  roles: string[];
  scp?: string;
  iat: number;
  exp: number;
  uti: string;
}

const TOKEN_LIFETIME_S = 3599;
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const REFRESH_LIFETIME_MS = 90 * 24 * 3600 * 1000;

export class EntraService {
  private readonly signingKey: KeyObject;
  private readonly verifyKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private readonly kid: string;
  /** Exact issue time (ms) per token id; `iat` alone is too coarse for revocation. */
  private readonly issuedAt = new Map<string, number>();
  private readonly refreshTokens = new Map<string, { tenantId: string; clientId: string; expires: number }>();

  constructor(
    private readonly loginAuthority: () => string,
    private readonly apiRoot: () => string,
    private readonly tenants: readonly TenantRecord[],
    private readonly clock: SimClock,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKey = privateKey;
    this.verifyKey = publicKey;
    this.kid = randomUUID().replace(/-/g, '').slice(0, 27);
    this.publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', kty: 'RSA' };
  }

  private tenant(id: string): TenantRecord | undefined {
    return this.tenants.find((t) => t.tenant.tenantId === id.toLowerCase());
  }

  openIdConfiguration(tenantId: string, v2: boolean): EntraReply {
    const base = `${this.loginAuthority()}/${tenantId}`;
    const v = v2 ? '/v2.0' : '';
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2${v}/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${base}/discovery${v}/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: v2 ? `${base}/v2.0` : `${this.loginAuthority()}/${tenantId}/`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${base}/oauth2${v}/authorize`,
        device_authorization_endpoint: `${base}/oauth2${v}/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2${v}/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'oid'],
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
    };
  }

  /** `/common/discovery/instance`: the simulator host is its own cloud, with no aliases. */
  instanceDiscovery(): EntraReply {
    const host = new URL(this.loginAuthority()).host;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${this.loginAuthority()}/common/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  }

  jwks(): EntraReply {
    return { status: 200, body: { keys: [this.publicJwk] } };
  }

  private error(status: number, error: string, aadsts: number, description: string): EntraReply {
    const now = this.clock.now().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
    const trace = randomUUID();
    const correlation = randomUUID();
    return {
      status,
      code: `AADSTS${aadsts}`,
      body: {
        error,
        error_description: `AADSTS${aadsts}: ${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${now}`,
        error_codes: [aadsts],
        timestamp: now,
        trace_id: trace,
        correlation_id: correlation,
        error_uri: `${this.loginAuthority()}/error?code=${aadsts}`,
      },
    };
  }

  /** `POST /{tenant}/oauth2/v2.0/token` (v2, scope) and `/{tenant}/oauth2/token` (v1, resource). */
  token(tenantId: string, form: URLSearchParams, v2: boolean): EntraReply {
    const rec = this.tenant(tenantId);
    if (!rec) {
      return this.error(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials' && grant !== 'refresh_token') {
      return this.error(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = (form.get('client_id') ?? '').toLowerCase();
    if (clientId !== rec.tenant.clientId) {
      return this.error(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    if (grant === 'refresh_token') return this.refresh(rec, form, v2);
    const clientError = this.authenticateClient(rec, form, tenantId, v2);
    if (clientError) return clientError;
    const resourceError = this.checkResource(rec, form, v2);
    if (resourceError) return resourceError;
    return this.issue(rec, { roles: [...rec.tenant.roles] }, v2);
  }

  private checkResource(rec: TenantRecord, form: URLSearchParams, v2: boolean): EntraReply | undefined {
    const api = this.apiRoot();
    if (!v2) {
      const resource = (form.get('resource') ?? '').replace(/\/$/, '');
      return resource === api
        ? undefined
        : this.error(
            400,
            'invalid_resource',
            500011,
            `The resource principal named ${resource} was not found in the tenant named ${rec.tenant.tenantId}.`,
          );
    }
    // OpenID scopes ride along on refresh-token requests (msal adds them); the rest names the API.
    const scope = form.get('scope') ?? '';
    const resourceScopes = scope.split(' ').filter((s) => s !== '' && !OIDC_SCOPES.has(s));
    const only = resourceScopes.length === 1 ? resourceScopes[0] : undefined;
    const delegated = form.get('grant_type') === 'refresh_token';
    if (!only || (!delegated && !only.endsWith('/.default'))) {
      return this.error(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = only.slice(0, only.lastIndexOf('/'));
    if (resource !== api) {
      return this.error(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${rec.tenant.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    return undefined;
  }

  private authenticateClient(
    rec: TenantRecord,
    form: URLSearchParams,
    tenantId: string,
    v2: boolean,
  ): EntraReply | undefined {
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      return secret === rec.tenant.clientSecret
        ? undefined
        : this.error(
            401,
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${rec.tenant.clientId}'.`,
          );
    }
    if (assertion === null) {
      return this.error(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return this.error(400, 'invalid_request', 700025, 'Client assertion type is not supported.');
    }
    const jwt = decodeJwt(assertion);
    if (!jwt) return this.error(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    const thumb = (name: string): string | undefined =>
      typeof jwt.header[name] === 'string'
        ? Buffer.from(jwt.header[name], 'base64url').toString('hex')
        : undefined;
    const keyKnown = thumb('x5t#S256') === rec.certSha256 || thumb('x5t') === rec.certSha1;
    if (!keyKnown || !verifyJwtSignature(jwt, rec.certKey)) {
      return this.error(
        401,
        'invalid_client',
        700027,
        `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumb('x5t#S256') ?? thumb('x5t') ?? ''}']`,
      );
    }
    const p = jwt.payload;
    const tokenEndpoint = `${this.loginAuthority()}/${tenantId}/oauth2${v2 ? '/v2.0' : ''}/token`;
    if (p.aud !== tokenEndpoint) {
      return this.error(
        401,
        'invalid_client',
        700016,
        `The audience claim of the client assertion (${String(p.aud)}) is not the token endpoint ${tokenEndpoint}.`,
      );
    }
    if (p.iss !== rec.tenant.clientId || p.sub !== rec.tenant.clientId) {
      return this.error(
        401,
        'invalid_client',
        700021,
        'Client assertion application identifier does not match the client_id parameter.',
      );
    }
    const nowS = this.clock.now().getTime() / 1000;
    if (typeof p.exp !== 'number' || p.exp <= nowS || (typeof p.nbf === 'number' && p.nbf > nowS + 300)) {
      return this.error(
        401,
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${this.clock.now().toISOString()}, assertion valid from ${String(p.nbf)}, expiry time of assertion ${String(p.exp)}.`,
      );
    }
    return undefined;
  }

  private refresh(rec: TenantRecord, form: URLSearchParams, v2: boolean): EntraReply {
    const token = form.get('refresh_token') ?? '';
    const entry = this.refreshTokens.get(token);
    if (!entry || entry.tenantId !== rec.tenant.tenantId) {
      return this.error(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    }
    if (entry.expires <= this.clock.now().getTime()) {
      this.refreshTokens.delete(token);
      return this.error(
        400,
        'invalid_grant',
        700082,
        'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90 days.',
      );
    }
    const resourceError = this.checkResource(rec, form, v2);
    if (resourceError) return resourceError;
    // Refresh tokens rotate: the old one stays valid (as in Entra), a new one is returned too.
    return this.issue(
      rec,
      { scp: rec.tenant.roles.join(' ') },
      v2,
      this.issueRefreshToken(rec.tenant.tenantId),
    );
  }

  issueRefreshToken(tenantId: string): string {
    const rec = this.tenant(tenantId);
    if (!rec) throw new Error(`unknown tenant ${tenantId}`);
    const token = `0.ASIM${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
    this.refreshTokens.set(token, {
      tenantId: rec.tenant.tenantId,
      clientId: rec.tenant.clientId,
      expires: this.clock.now().getTime() + REFRESH_LIFETIME_MS,
    });
    return token;
  }

  private issue(
    rec: TenantRecord,
    grants: { roles?: string[]; scp?: string },
    v2: boolean,
    refreshToken?: string,
  ): EntraReply {
    const nowMs = this.clock.now().getTime();
    const iat = Math.floor(nowMs / 1000);
    const uti = randomUUID().replace(/-/g, '').slice(0, 22);
    this.issuedAt.set(uti, nowMs);
    const tid = rec.tenant.tenantId;
    const payload: Record<string, unknown> = {
      aud: this.apiRoot(),
      iss: `${this.loginAuthority()}/${tid}/`,
      iat,
      nbf: iat,
      exp: iat + TOKEN_LIFETIME_S,
      aio: randomUUID(),
      appid: rec.tenant.clientId,
      appidacr: grants.scp === undefined ? '1' : '0',
      idp: `${this.loginAuthority()}/${tid}/`,
      oid: randomUUID(),
      sub: randomUUID(),
      tid,
      uti,
      ver: '1.0',
      ...(grants.roles ? { roles: grants.roles } : {}),
      ...(grants.scp !== undefined ? { scp: grants.scp } : {}),
    };
    const accessToken = signRs256(payload, this.signingKey, this.kid);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      access_token: accessToken,
    };
    if (!v2) {
      body.expires_on = String(iat + TOKEN_LIFETIME_S);
      body.not_before = String(iat);
      body.resource = this.apiRoot();
    }
    if (refreshToken) {
      body.refresh_token = refreshToken;
      body.scope = `${this.apiRoot()}/.default`;
    }
    return { status: 200, body };
  }

  /** Validates a bearer token for the API; undefined means 401. */
  verifyAccessToken(token: string, revokeBefore?: Date): AccessClaims | undefined {
    const jwt = decodeJwt(token);
    if (!jwt || jwt.header.alg !== 'RS256' || !verifyJwtSignature(jwt, this.verifyKey)) return undefined;
    const p = jwt.payload;
    if (p.aud !== this.apiRoot() && p.aud !== `${this.apiRoot()}/`) return undefined;
    if (typeof p.exp !== 'number' || typeof p.iat !== 'number' || typeof p.tid !== 'string') return undefined;
    if (p.exp * 1000 <= this.clock.now().getTime()) return undefined;
    const uti = typeof p.uti === 'string' ? p.uti : '';
    const issued = this.issuedAt.get(uti) ?? p.iat * 1000;
    if (revokeBefore && issued < revokeBefore.getTime()) return undefined;
    return {
      tid: p.tid,
      appid: typeof p.appid === 'string' ? p.appid : '',
      roles: Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [],
      ...(typeof p.scp === 'string' ? { scp: p.scp } : {}),
      iat: p.iat,
      exp: p.exp,
      uti,
    };
  }
}
