/**
 * Bearer tokens for the Management API from MSAL's ConfidentialClientApplication. The application
 * object holds the in-memory token cache, so it is created once per process (module-level cache)
 * and reused by every invocation; MSAL then serves cached tokens and renews them 5 minutes before
 * expiry on its own.
 */
import { createHash } from 'node:crypto';
import {
  ConfidentialClientApplication,
  LogLevel,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
} from '@azure/msal-node';
import type { AuthConfig, Config } from '../config.js';
import { errorMessage } from '../errors.js';
import { msalNetworkModule } from '../http/msal-network.js';
import type { HttpClient } from '../http/http-client.js';
import { registerSecret, silentLogger, type Logger } from '../logger.js';
import { loadCertificate } from './certificate.js';
import { AuthError } from './errors.js';
import { managedIdentityAssertion, type AssertionSource } from './federated.js';

export interface TokenProvider {
  /** A bearer token for `config.scope`. `forceRefresh` skips the cache (after a 401). */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

export type AuthSettings = Pick<Config, 'tenantId' | 'clientId' | 'auth' | 'loginAuthority' | 'scope'>;

export interface TokenProviderOptions {
  config: AuthSettings;
  http: HttpClient;
  logger?: Logger;
  /** Federated mode: where assertions come from. Default: the user-assigned managed identity. */
  assertionSource?: AssertionSource;
}

interface Entry {
  app: ConfidentialClientApplication;
  provider: TokenProvider;
}

/** One application per (HTTP stack, assertion source, settings) — in production, one per process. */
const apps = new WeakMap<object, Map<string, Entry>>();
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const { config, http } = options;
  const logger = options.logger ?? silentLogger;
  registerCredentialSecrets(config.auth);

  const key = cacheKey(config, options.assertionSource);
  let byKey = apps.get(http);
  if (!byKey) {
    byKey = new Map();
    apps.set(http, byKey);
  }
  const cached = byKey.get(key);
  if (cached) return cached.provider;

  const app = new ConfidentialClientApplication(msalConfiguration(options, logger));
  const provider = singleFlight(
    config.auth.mode === 'refreshToken'
      ? refreshTokenProvider(app, config, config.auth.refreshToken, logger)
      : clientCredentialProvider(app, config, logger),
  );
  byKey.set(key, { app, provider });
  logger.info('auth.client_created', {
    mode: config.auth.mode,
    authority: authorityOf(config),
    scope: config.scope,
  });
  return provider;
}

/**
 * Concurrent callers share one in-flight acquisition: at cold start every content type asks for a
 * token at once, and they should cause one token request, not five. A forced refresh (after a 401)
 * joins an in-flight forced refresh but never a plain one, which might return the rejected token.
 */
function singleFlight(inner: TokenProvider): TokenProvider {
  const inFlight: { plain?: Promise<string>; forced?: Promise<string> } = {};
  return {
    getToken(options = {}) {
      const slot = options.forceRefresh === true ? 'forced' : 'plain';
      const existing = inFlight[slot];
      if (existing) return existing;
      const p = inner.getToken(options).finally(() => {
        if (inFlight[slot] === p) delete inFlight[slot];
      });
      inFlight[slot] = p;
      return p;
    },
  };
}

/** `${loginAuthority}/${tenantId}` — the tenant's own authority, never `common`/`organizations`. */
export function authorityOf(config: Pick<Config, 'loginAuthority' | 'tenantId'>): string {
  return `${new URL(config.loginAuthority).origin}/${config.tenantId}`;
}

export function msalConfiguration(
  options: TokenProviderOptions,
  logger: Logger = silentLogger,
): Configuration {
  const { config, http } = options;
  const authority = authorityOf(config);
  return {
    auth: {
      clientId: config.clientId,
      authority,
      // Listing the login host as known skips instance discovery (a call to
      // login.microsoftonline.com that is wrong for sovereign clouds and impossible offline).
      // For Entra hosts MSAL then uses its built-in endpoint metadata; for any other host (the
      // simulator, an override) it reads `{authority}/v2.0/.well-known/openid-configuration`
      // through our network client and checks that the issuer is on the same host.
      knownAuthorities: [new URL(authority).host],
      ...credentialOptions(config, options.assertionSource),
    },
    system: {
      networkClient: msalNetworkModule(http),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        // MSAL's errors also reach us as exceptions (logged with their facts); its warnings, such as
        // "No client info in response" on every client-credentials token, are not operator news.
        loggerCallback: (level, message) => {
          if (level === LogLevel.Error) logger.warn('auth.msal', { message });
          else logger.debug('auth.msal', { message });
        },
      },
    },
  };
}

function credentialOptions(
  config: AuthSettings,
  assertionSource?: AssertionSource,
): Partial<Configuration['auth']> {
  const auth = config.auth;
  switch (auth.mode) {
    case 'secret':
      return { clientSecret: auth.clientSecret };
    case 'certificate':
      return { clientCertificate: certificateOptions(auth) };
    case 'federated': {
      const source =
        assertionSource ?? managedIdentityAssertion(auth.federatedIdentityClientId, auth.audience);
      // A callback, not a string: MSAL calls it for every token request, and assertions expire.
      return { clientAssertion: () => source() };
    }
    case 'refreshToken':
      return auth.clientSecret !== undefined
        ? { clientSecret: auth.clientSecret }
        : { clientCertificate: certificateOptions(auth) };
  }
}

function certificateOptions(source: {
  certificatePath?: string;
  certificatePem?: string;
  certificatePassword?: string;
}) {
  const cert = loadCertificate(source);
  return { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey, x5c: cert.x5c };
}

function clientCredentialProvider(
  app: ConfidentialClientApplication,
  config: AuthSettings,
  logger: Logger,
): TokenProvider {
  return {
    async getToken(options = {}) {
      let result: AuthenticationResult | null;
      try {
        result = await app.acquireTokenByClientCredential({
          scopes: [config.scope],
          skipCache: options.forceRefresh === true,
        });
      } catch (err) {
        throw toAuthError(err, config.auth.mode);
      }
      return accessTokenOf(result, config.auth.mode, logger, options.forceRefresh);
    },
  };
}

/**
 * Delegated mode: a refresh token of an admin account (for tenants that cannot grant application
 * permissions). MSAL keeps the rotated refresh token in its cache under the account, so after the
 * first exchange tokens come from `acquireTokenSilent`. Limits are in docs/auth.md.
 */
function refreshTokenProvider(
  app: ConfidentialClientApplication,
  config: AuthSettings,
  refreshToken: string,
  logger: Logger,
): TokenProvider {
  let account: AccountInfo | null = null;
  let last: AuthenticationResult | null = null;
  const scopes = [config.scope];
  return {
    async getToken(options = {}) {
      const force = options.forceRefresh === true;
      try {
        if (account) {
          last = await app.acquireTokenSilent({ account, scopes, forceRefresh: force });
        } else if (!force && last?.expiresOn && last.expiresOn.getTime() - Date.now() > 300_000) {
          // No account (the token response had no id_token): reuse the token until 5 min before expiry.
        } else {
          last = await app.acquireTokenByRefreshToken({ refreshToken, scopes, forceCache: true });
          account = last?.account ?? null;
        }
      } catch (err) {
        throw toAuthError(err, 'refreshToken');
      }
      return accessTokenOf(last, 'refreshToken', logger, force);
    },
  };
}

function accessTokenOf(
  result: AuthenticationResult | null,
  mode: AuthConfig['mode'],
  logger: Logger,
  forced: boolean | undefined,
): string {
  if (!result?.accessToken)
    throw new AuthError(`token request (${mode}) returned no access token`, { retryable: true });
  if (!result.fromCache) {
    logger.info('auth.token_acquired', {
      mode,
      expiresOn: result.expiresOn?.toISOString(),
      forced: forced === true,
    });
  }
  return result.accessToken;
}

/** MSAL error codes that mean "try again later" rather than "the credential is wrong". */
const TRANSIENT_AUTH_CODES = new Set([
  'network_error',
  'endpoints_resolution_error',
  'temporarily_unavailable',
  'service_not_available',
  'request_timeout',
]);

function toAuthError(err: unknown, mode: AuthConfig['mode']): AuthError {
  if (err instanceof AuthError) return err;
  const code = (err as { errorCode?: unknown }).errorCode;
  const authCode = typeof code === 'string' && code !== '' ? code : undefined;
  const retryable =
    authCode !== undefined && (TRANSIENT_AUTH_CODES.has(authCode) || /^http_(408|429|5\d\d)$/.test(authCode));
  const cause = (err as { cause?: unknown }).cause;
  const detail =
    cause instanceof Error && !(err instanceof Error && err.message.includes(cause.message))
      ? ` (${cause.message})`
      : '';
  return new AuthError(`token request failed (${mode}): ${errorMessage(err)}${detail}`, {
    retryable,
    authCode,
    cause: err,
  });
}

function registerCredentialSecrets(auth: AuthConfig): void {
  if (auth.mode === 'secret') registerSecret(auth.clientSecret);
  if (auth.mode === 'certificate') registerSecret(auth.certificatePassword);
  if (auth.mode === 'refreshToken') {
    registerSecret(auth.refreshToken);
    registerSecret(auth.clientSecret);
    registerSecret(auth.certificatePassword);
  }
}

function cacheKey(config: AuthSettings, assertionSource: AssertionSource | undefined): string {
  // Credentials are hashed, never kept in the key: a rotated secret gets a fresh application.
  const credential = createHash('sha256').update(JSON.stringify(config.auth)).digest('hex');
  return JSON.stringify([
    config.tenantId.toLowerCase(),
    config.clientId.toLowerCase(),
    authorityOf(config),
    config.scope,
    credential,
    assertionSource ? idOf(assertionSource) : 0,
  ]);
}

function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}
