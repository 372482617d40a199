/**
 * The only reader of `process.env`. Validates every setting of `settings.ts` with zod at cold start
 * and fails with one line per problem, naming the setting, the bad value (secrets never echoed)
 * and what is accepted. Also reads the host's queue-trigger overrides and whether the Functions
 * host runs this process.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { CLOUDS, CLOUD_NAMES, type CloudName, scopeFor } from './clouds.js';
import { CONTENT_TYPES, type ContentType } from './content-types.js';
import { ConfigError } from './errors.js';
import { SECRET_KEYS, SETTINGS } from './settings.js';

export type AuthMode = 'secret' | 'certificate' | 'federated' | 'refreshToken';
export type FilterMode = 'exclude' | 'include';
export type MaskStyle = 'redact' | 'partial' | 'hash';

export type AuthConfig =
  | { mode: 'secret'; clientSecret: string }
  | { mode: 'certificate'; certificatePath?: string; certificatePem?: string; certificatePassword?: string }
  | { mode: 'federated'; federatedIdentityClientId: string; audience: string }
  | {
      mode: 'refreshToken';
      refreshToken: string;
      clientSecret?: string;
      certificatePath?: string;
      certificatePem?: string;
      certificatePassword?: string;
    };

export interface FilterConfig {
  operations: readonly string[];
  statuses: readonly string[];
  policies: readonly string[];
  mode: FilterMode;
}

export interface MaskConfig {
  enabled: boolean;
  style: MaskStyle;
  hashKey?: string;
}

export interface FieldConfig {
  product: string;
  event: string;
  environment?: string;
  environmentRegex: RegExp;
  defaultEnvironment: string;
}

export interface StorageNames {
  queueName: string;
  poisonQueueName: string;
  checkpointTable: string;
  ledgerTable: string;
  eventIdTable: string;
  outputContainer: string;
  outputConnection: string;
}

export interface Config {
  tenantId: string;
  clientId: string;
  auth: AuthConfig;
  cloud: CloudName;
  apiRoot: string;
  loginAuthority: string;
  scope: string;
  publisherId: string;
  contentTypes: readonly ContentType[];
  autoSubscribe: boolean;
  enumerateSchedule: string;
  enumerateBudgetSeconds: number;
  initialLookbackHours: number;
  windowMinutes: number;
  paddingMinutes: number;
  maxContentPerRun: number;
  maxRequestsPerMinute: number;
  filter: FilterConfig;
  mask: MaskConfig;
  entityKeys: readonly string[];
  fields: FieldConfig;
  storage: StorageNames;
  webhookAuthId?: string;
  verifyTls: boolean;
  httpsProxy?: string;
  noProxy: readonly string[];
}

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

const str = (what = 'text') =>
  z.string({ error: (i) => (i.input === undefined ? 'is required' : `must be ${what}`) });

const guid = () =>
  str().regex(GUID, { error: 'is not a GUID; accepted: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' });

const int = (min: number, max: number) =>
  str()
    .regex(/^\d+$/, { error: `is not a whole number; accepted: an integer from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `is out of range; accepted: an integer from ${min} to ${max}` })
        .max(max, { error: `is out of range; accepted: an integer from ${min} to ${max}` }),
    );

const bool = () =>
  str()
    .transform((v) => v.toLowerCase())
    .pipe(
      z.enum(['true', 'false', '1', '0', 'yes', 'no'], {
        error: 'is not a boolean; accepted: true or false',
      }),
    )
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  str().pipe(z.enum(values, { error: `is not valid; accepted: ${values.join(', ')}` }));

const csv = () =>
  str().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

/** An https origin (scheme, host, optional port; no path, query or credentials). */
const httpsOrigin = () =>
  str()
    .refine((v) => URL.canParse(v), { error: 'is not a URL; accepted: an https origin such as https://host' })
    .refine((v) => !URL.canParse(v) || new URL(v).protocol === 'https:', { error: 'must use https' })
    .refine(
      (v) => {
        if (!URL.canParse(v)) return true;
        const u = new URL(v);
        return (u.pathname === '/' || u.pathname === '') && !u.search && !u.username && !u.password;
      },
      { error: 'must be an origin without path, query or credentials, e.g. https://manage.office.com' },
    )
    .transform((v) => new URL(v).origin);

const regex = () =>
  str().transform((v, ctx) => {
    try {
      return new RegExp(v);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a valid regular expression (${(err as Error).message})`,
      });
      return z.NEVER;
    }
  });

const contentTypes = () =>
  csv().refine(
    (list) => list.length > 0 && list.every((t) => (CONTENT_TYPES as readonly string[]).includes(t)),
    {
      error: `lists an unknown content type; accepted: a CSV of ${CONTENT_TYPES.join(', ')}`,
    },
  );

const schedule = () =>
  str().regex(/^\s*(\S+\s+){4,5}\S+\s*$/, {
    error:
      'is not an NCRONTAB expression; accepted: six fields "{second} {minute} {hour} {day} {month} {day-of-week}"',
  });

const proxyUrl = () =>
  str().refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), {
    error: 'is not an http(s) URL; accepted: http://[user:password@]host:port',
  });

/** Storage resource names: Azure's rules, so a typo fails here rather than at the first write. */
const queueName = () =>
  str().regex(/^(?=.{3,57}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/, {
    error:
      'is not a valid queue name; accepted: 3–57 lowercase letters, digits and single hyphens (room for "-poison")',
  });
const tableName = () =>
  str().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, {
    error: 'is not a valid table name; accepted: 3–63 letters and digits',
  });
const containerName = () =>
  str().regex(/^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/, {
    error: 'is not a valid container name; accepted: 3–63 lowercase letters, digits and single hyphens',
  });

const defaults = Object.fromEntries(
  SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.key, s.default]),
);
const d = (key: string): string => {
  const value = defaults[key];
  if (value === undefined) throw new Error(`no default for ${key}`);
  return value;
};

const schema = z.object({
  O365_TENANT_ID: guid(),
  O365_CLIENT_ID: guid(),
  O365_CLIENT_SECRET: str().optional(),
  O365_CERTIFICATE_PATH: str()
    .refine((p) => existsSync(p), { error: 'names a file that does not exist' })
    .optional(),
  O365_CERTIFICATE_PEM: str()
    .refine((p) => p.includes('-----BEGIN'), { error: 'is not PEM text (no -----BEGIN line)' })
    .optional(),
  O365_CERTIFICATE_PASSWORD: str().optional(),
  O365_AUTH_MODE: oneOf(['secret', 'certificate', 'federated', 'refreshToken'] as const).optional(),
  O365_FEDERATED_IDENTITY_CLIENT_ID: guid().optional(),
  O365_REFRESH_TOKEN: str().optional(),
  O365_CLOUD: oneOf(CLOUD_NAMES).prefault(d('O365_CLOUD')),
  O365_API_ROOT: httpsOrigin().optional(),
  O365_LOGIN_AUTHORITY: httpsOrigin().optional(),
  O365_PUBLISHER_ID: guid().optional(),
  O365_CONTENT_TYPES: contentTypes().prefault(d('O365_CONTENT_TYPES')),
  O365_AUTO_SUBSCRIBE: bool().prefault(d('O365_AUTO_SUBSCRIBE')),
  O365_ENUMERATE_SCHEDULE: schedule().prefault(d('O365_ENUMERATE_SCHEDULE')),
  O365_ENUMERATE_BUDGET_SECONDS: int(10, 1500).prefault(d('O365_ENUMERATE_BUDGET_SECONDS')),
  O365_INITIAL_LOOKBACK_HOURS: int(1, 167).prefault(d('O365_INITIAL_LOOKBACK_HOURS')),
  O365_WINDOW_MINUTES: int(1, 1440).prefault(d('O365_WINDOW_MINUTES')),
  O365_PADDING_MINUTES: int(0, 1440).prefault(d('O365_PADDING_MINUTES')),
  O365_MAX_CONTENT_PER_RUN: int(1, 100_000).prefault(d('O365_MAX_CONTENT_PER_RUN')),
  O365_MAX_REQUESTS_PER_MINUTE: int(1, 60_000).prefault(d('O365_MAX_REQUESTS_PER_MINUTE')),
  O365_FILTER_OPERATIONS: csv().prefault(''),
  O365_FILTER_STATUSES: csv().prefault(''),
  O365_FILTER_POLICIES: csv().prefault(''),
  O365_FILTER_MODE: oneOf(['exclude', 'include'] as const).prefault(d('O365_FILTER_MODE')),
  O365_MASK_FINDINGS: bool().prefault(d('O365_MASK_FINDINGS')),
  O365_MASK_STYLE: oneOf(['redact', 'partial', 'hash'] as const).prefault(d('O365_MASK_STYLE')),
  O365_MASK_HASH_KEY: str().min(16, { error: 'is too short; accepted: at least 16 characters' }).optional(),
  O365_ENTITY_KEYS: csv().prefault(''),
  O365_PRODUCT_FIELD: str().prefault(d('O365_PRODUCT_FIELD')),
  O365_EVENT_FIELD: str().prefault(d('O365_EVENT_FIELD')),
  O365_ENVIRONMENT_FIELD: str().optional(),
  O365_ENVIRONMENT_REGEX: regex().prefault(d('O365_ENVIRONMENT_REGEX')),
  O365_DEFAULT_ENVIRONMENT: str().prefault(d('O365_DEFAULT_ENVIRONMENT')),
  O365_QUEUE_NAME: queueName().prefault(d('O365_QUEUE_NAME')),
  O365_CHECKPOINT_TABLE: tableName().prefault(d('O365_CHECKPOINT_TABLE')),
  O365_LEDGER_TABLE: tableName().prefault(d('O365_LEDGER_TABLE')),
  O365_EVENT_ID_TABLE: tableName().prefault(d('O365_EVENT_ID_TABLE')),
  O365_OUTPUT_CONTAINER: containerName().prefault(d('O365_OUTPUT_CONTAINER')),
  O365_OUTPUT_CONNECTION: str()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'is not a setting name' })
    .prefault(d('O365_OUTPUT_CONNECTION')),
  O365_WEBHOOK_AUTH_ID: str().optional(),
  O365_VERIFY_TLS: bool().prefault(d('O365_VERIFY_TLS')),
  HTTPS_PROXY: proxyUrl().optional(),
  NO_PROXY: csv().prefault(''),
});

type Parsed = z.infer<typeof schema>;
type Key = keyof Parsed;

/** The zod schema's setting keys, for the drift tests (README, example file, Bicep). */
export const SCHEMA_KEYS: readonly Key[] = Object.keys(schema.shape) as Key[];

/** Credential settings by kind; issue 2: exactly one kind per auth mode. */
const CREDENTIAL_KINDS = {
  secret: ['O365_CLIENT_SECRET'],
  certificate: ['O365_CERTIFICATE_PATH', 'O365_CERTIFICATE_PEM', 'O365_CERTIFICATE_PASSWORD'],
  federated: ['O365_FEDERATED_IDENTITY_CLIENT_ID'],
  refreshToken: ['O365_REFRESH_TOKEN'],
} as const satisfies Record<AuthMode, readonly Key[]>;

/** Kinds each mode takes, and how to say so. refreshToken redeems with one client credential. */
const MODE_KINDS: Record<AuthMode, { kinds: readonly AuthMode[]; accepted: string }> = {
  secret: { kinds: ['secret'], accepted: 'O365_CLIENT_SECRET' },
  certificate: {
    kinds: ['certificate'],
    accepted: 'O365_CERTIFICATE_PATH or O365_CERTIFICATE_PEM (and O365_CERTIFICATE_PASSWORD)',
  },
  federated: { kinds: ['federated'], accepted: 'O365_FEDERATED_IDENTITY_CLIENT_ID' },
  refreshToken: {
    kinds: ['refreshToken', 'secret', 'certificate'],
    accepted: 'O365_REFRESH_TOKEN with O365_CLIENT_SECRET or a certificate',
  },
};

type Problem = [key: string, message: string];

/**
 * A rule across settings. It reads the parsed values of `needs` only, and is skipped when one of
 * them failed validation (its problem is already reported). Which credentials are set is read from
 * the environment: being set is a fact even when the value is invalid.
 */
interface CrossFieldRule {
  needs: readonly Key[];
  check(p: Parsed, env: Env): Problem[];
}

function rule<K extends Key>(
  needs: readonly K[],
  check: (p: Pick<Parsed, K>, env: Env) => Problem[],
): CrossFieldRule {
  return { needs, check };
}

const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  rule(['O365_AUTH_MODE'], (p, env) => authProblems(p.O365_AUTH_MODE, env)),
  rule(['O365_MASK_FINDINGS', 'O365_MASK_STYLE'], (p, env) =>
    p.O365_MASK_FINDINGS && p.O365_MASK_STYLE === 'hash' && env.O365_MASK_HASH_KEY === undefined
      ? [['O365_MASK_HASH_KEY', 'is required when O365_MASK_STYLE is hash']]
      : [],
  ),
  rule([], (_p, env) =>
    hasStorageConnection(env, 'AzureWebJobsStorage')
      ? []
      : [
          [
            'AzureWebJobsStorage',
            'is required: a connection string, UseDevelopmentStorage=true, or AzureWebJobsStorage__* identity settings',
          ],
        ],
  ),
  rule(['O365_OUTPUT_CONNECTION'], (p, env) => {
    const name = p.O365_OUTPUT_CONNECTION;
    return name === 'AzureWebJobsStorage' || hasStorageConnection(env, name)
      ? []
      : [['O365_OUTPUT_CONNECTION', `names ${name}, but neither that setting nor ${name}__* is set`]];
  }),
];

/** Exactly one credential kind per auth mode, explicit or inferred. */
function authProblems(explicit: AuthMode | undefined, env: Env): Problem[] {
  const problems: Problem[] = [];
  const has = (k: Key) => env[k] !== undefined;
  const hasSecret = has('O365_CLIENT_SECRET');
  const certKinds = (['O365_CERTIFICATE_PATH', 'O365_CERTIFICATE_PEM'] as const).filter(has).length;
  const mode = explicit ?? inferMode(env);

  if (certKinds > 1) {
    problems.push([
      'O365_CERTIFICATE_PEM',
      'is set together with O365_CERTIFICATE_PATH; accepted: exactly one of the two',
    ]);
  }
  if (mode === undefined) {
    problems.push([
      'O365_AUTH_MODE',
      hasSecret && certKinds > 0
        ? 'is ambiguous: both O365_CLIENT_SECRET and a certificate are set; set one credential, or O365_AUTH_MODE'
        : 'has no credential to infer from; set O365_CLIENT_SECRET, O365_CERTIFICATE_PATH or O365_CERTIFICATE_PEM, O365_FEDERATED_IDENTITY_CLIENT_ID, or O365_REFRESH_TOKEN',
    ]);
    return problems;
  }
  const when = explicit
    ? `when O365_AUTH_MODE is ${mode}`
    : `when the auth mode is ${mode} (inferred, O365_AUTH_MODE not set)`;
  const { kinds, accepted } = MODE_KINDS[mode];
  for (const kind of Object.keys(CREDENTIAL_KINDS) as AuthMode[]) {
    if (kinds.includes(kind)) continue;
    for (const key of CREDENTIAL_KINDS[kind].filter(has)) {
      problems.push([key, `must not be set ${when}: one credential kind per mode; accepted: ${accepted}`]);
    }
  }
  if (mode === 'secret' && !hasSecret) problems.push(['O365_CLIENT_SECRET', `is required ${when}`]);
  if (mode === 'certificate' && certKinds === 0)
    problems.push(['O365_CERTIFICATE_PATH', `or O365_CERTIFICATE_PEM is required ${when}`]);
  if (mode === 'federated' && !has('O365_FEDERATED_IDENTITY_CLIENT_ID'))
    problems.push(['O365_FEDERATED_IDENTITY_CLIENT_ID', `is required ${when}`]);
  if (mode === 'refreshToken') {
    if (!has('O365_REFRESH_TOKEN')) problems.push(['O365_REFRESH_TOKEN', `is required ${when}`]);
    if ((hasSecret ? 1 : 0) + certKinds !== 1)
      problems.push([
        'O365_AUTH_MODE',
        'is refreshToken, which needs exactly one client credential (O365_CLIENT_SECRET or a certificate)',
      ]);
    else if (certKinds === 0 && has('O365_CERTIFICATE_PASSWORD'))
      problems.push([
        'O365_CERTIFICATE_PASSWORD',
        'is set, but the client credential is O365_CLIENT_SECRET; accepted: a password only with a certificate',
      ]);
  }
  return problems;
}

function inferMode(env: Env): AuthMode | undefined {
  const hasSecret = env.O365_CLIENT_SECRET !== undefined;
  const hasCert = env.O365_CERTIFICATE_PATH !== undefined || env.O365_CERTIFICATE_PEM !== undefined;
  if (env.O365_REFRESH_TOKEN !== undefined) return 'refreshToken';
  if (hasSecret && hasCert) return undefined;
  if (hasSecret) return 'secret';
  if (hasCert) return 'certificate';
  if (env.O365_FEDERATED_IDENTITY_CLIENT_ID !== undefined) return 'federated';
  return undefined;
}

function hasStorageConnection(env: Env, name: string): boolean {
  if (present(env[name])) return true;
  const prefix = `${name}__`;
  return Object.keys(env).some((k) => k.startsWith(prefix) && present(env[k]));
}

function present(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}

function describeValue(key: string, value: string | undefined): string {
  if (value === undefined) return '(not set)';
  if (SECRET_KEYS.has(key)) return '(value hidden)';
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

/** Settings as the user wrote them: unset and blank are the same; proxy vars read in either case. */
function normalizeEnv(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (present(v)) out[k] = v.trim();
  out.HTTPS_PROXY ??= out.https_proxy;
  out.NO_PROXY ??= out.no_proxy;
  return out;
}

/**
 * Validate and load the configuration. Throws one `ConfigError` listing every problem: unresolved
 * Key Vault references, invalid values, and the cross-field rules whose inputs are valid.
 */
export function loadConfig(rawEnv: Env = process.env): Config {
  const env = normalizeEnv(rawEnv);
  const problems: string[] = [];
  const failed = new Set<string>();
  const report = (key: string, message: string) =>
    problems.push(`${key}: ${describeValue(key, env[key])} ${message}`);

  for (const s of SETTINGS) {
    const v = env[s.key];
    if (v !== undefined && KEY_VAULT_REFERENCE.test(v)) {
      failed.add(s.key);
      problems.push(
        `${s.key}: is an unresolved Key Vault reference; grant the app's identity "Key Vault Secrets User" and check keyVaultReferenceIdentity`,
      );
    }
  }
  // Field by field, so one bad value does not hide the rest or the cross-field rules.
  const values: Record<string, unknown> = {};
  for (const key of SCHEMA_KEYS) {
    if (failed.has(key)) continue;
    const result = schema.shape[key].safeParse(env[key]);
    if (result.success) {
      values[key] = result.data;
    } else {
      failed.add(key);
      for (const issue of result.error.issues) report(key, issue.message);
    }
  }
  // A rule only reads the keys it needs, and runs only when they all parsed.
  const p = values as Parsed;
  for (const r of CROSS_FIELD_RULES) {
    if (r.needs.some((k) => failed.has(k))) continue;
    for (const [key, message] of r.check(p, env)) report(key, message);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const cloud = CLOUDS[p.O365_CLOUD];
  const apiRoot = p.O365_API_ROOT ?? cloud.apiRoot;
  const mode = (p.O365_AUTH_MODE ?? inferMode(env)) as AuthMode;

  return {
    tenantId: p.O365_TENANT_ID.toLowerCase(),
    clientId: p.O365_CLIENT_ID,
    auth: buildAuth(mode, p, cloud.federatedAudience),
    cloud: p.O365_CLOUD,
    apiRoot,
    loginAuthority: p.O365_LOGIN_AUTHORITY ?? cloud.loginAuthority,
    scope: scopeFor(apiRoot),
    publisherId: (p.O365_PUBLISHER_ID ?? p.O365_TENANT_ID).toLowerCase(),
    contentTypes: [...new Set(p.O365_CONTENT_TYPES)] as ContentType[],
    autoSubscribe: p.O365_AUTO_SUBSCRIBE,
    enumerateSchedule: p.O365_ENUMERATE_SCHEDULE,
    enumerateBudgetSeconds: p.O365_ENUMERATE_BUDGET_SECONDS,
    initialLookbackHours: p.O365_INITIAL_LOOKBACK_HOURS,
    windowMinutes: p.O365_WINDOW_MINUTES,
    paddingMinutes: p.O365_PADDING_MINUTES,
    maxContentPerRun: p.O365_MAX_CONTENT_PER_RUN,
    maxRequestsPerMinute: p.O365_MAX_REQUESTS_PER_MINUTE,
    filter: {
      operations: p.O365_FILTER_OPERATIONS,
      statuses: p.O365_FILTER_STATUSES,
      policies: p.O365_FILTER_POLICIES,
      mode: p.O365_FILTER_MODE,
    },
    mask: { enabled: p.O365_MASK_FINDINGS, style: p.O365_MASK_STYLE, hashKey: p.O365_MASK_HASH_KEY },
    entityKeys: p.O365_ENTITY_KEYS,
    fields: {
      product: p.O365_PRODUCT_FIELD,
      event: p.O365_EVENT_FIELD,
      environment: p.O365_ENVIRONMENT_FIELD,
      environmentRegex: p.O365_ENVIRONMENT_REGEX,
      defaultEnvironment: p.O365_DEFAULT_ENVIRONMENT,
    },
    storage: {
      queueName: p.O365_QUEUE_NAME,
      poisonQueueName: `${p.O365_QUEUE_NAME}-poison`,
      checkpointTable: p.O365_CHECKPOINT_TABLE,
      ledgerTable: p.O365_LEDGER_TABLE,
      eventIdTable: p.O365_EVENT_ID_TABLE,
      outputContainer: p.O365_OUTPUT_CONTAINER,
      outputConnection: p.O365_OUTPUT_CONNECTION,
    },
    webhookAuthId: p.O365_WEBHOOK_AUTH_ID,
    verifyTls: p.O365_VERIFY_TLS,
    httpsProxy: p.HTTPS_PROXY,
    noProxy: p.NO_PROXY,
  };
}

function buildAuth(mode: AuthMode, p: Parsed, audience: string): AuthConfig {
  const cert = {
    certificatePath: p.O365_CERTIFICATE_PATH,
    certificatePem: p.O365_CERTIFICATE_PEM,
    certificatePassword: p.O365_CERTIFICATE_PASSWORD,
  };
  switch (mode) {
    case 'secret':
      return { mode, clientSecret: p.O365_CLIENT_SECRET! };
    case 'certificate':
      return { mode, ...cert };
    case 'federated':
      return { mode, federatedIdentityClientId: p.O365_FEDERATED_IDENTITY_CLIENT_ID!, audience };
    case 'refreshToken':
      return { mode, refreshToken: p.O365_REFRESH_TOKEN!, clientSecret: p.O365_CLIENT_SECRET, ...cert };
  }
}

/** How to reach a storage account: a connection string or identity-based `<name>__*` settings. */
export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      blobServiceUri: string;
      queueServiceUri: string;
      tableServiceUri: string;
      clientId?: string;
    };

/** Resolve a connection setting by name (`AzureWebJobsStorage` or `O365_OUTPUT_CONNECTION`). */
export function resolveStorageConnection(name: string, rawEnv: Env = process.env): StorageConnection {
  const env = normalizeEnv(rawEnv);
  const direct = env[name];
  if (direct !== undefined) return { kind: 'connectionString', connectionString: direct };
  const get = (suffix: string) => env[`${name}__${suffix}`];
  const account = get('accountName');
  const uri = (service: 'blob' | 'queue' | 'table') =>
    get(`${service}ServiceUri`) ??
    get('serviceUri') ??
    (account ? `https://${account}.${service}.core.windows.net` : undefined);
  const blob = uri('blob');
  const queue = uri('queue');
  const table = uri('table');
  if (!blob || !queue || !table) {
    throw new ConfigError([
      `${name}: (not set) needs a connection string, or ${name}__accountName, or ${name}__blobServiceUri, __queueServiceUri and __tableServiceUri`,
    ]);
  }
  return {
    kind: 'identity',
    blobServiceUri: blob,
    queueServiceUri: queue,
    tableServiceUri: table,
    clientId: get('clientId'),
  };
}

/** `hh:mm:ss` (optionally `d.hh:mm:ss` or with fractions), the host's TimeSpan, to milliseconds. */
export function parseTimeSpan(value: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a TimeSpan (hh:mm:ss): ${value}`);
  const [, d = '0', h = '0', min = '0', s = '0', frac = '0'] = m;
  return (
    ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 +
    Number(s) * 1000 +
    Math.round(Number(`0.${frac}`) * 1000)
  );
}

/** App settings that override host.json `extensions.queues` (the host reads them; so do we). */
export const QUEUE_OVERRIDE_PREFIX = 'AzureFunctionsJobHost__extensions__queues__';

const count = () =>
  str()
    .regex(/^\d+$/, { error: 'is not a whole number; accepted: an integer, 0 or more' })
    .transform(Number)
    .pipe(z.number().max(Number.MAX_SAFE_INTEGER, { error: 'is out of range' }));

const timeSpan = () =>
  str().transform((v, ctx) => {
    try {
      return parseTimeSpan(v);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'is not a duration; accepted: a TimeSpan hh:mm:ss, e.g. 00:00:30',
      });
      return z.NEVER;
    }
  });

const queueOverrides = z.object({
  batchSize: count().optional(),
  newBatchThreshold: count().optional(),
  maxDequeueCount: count().optional(),
  visibilityTimeout: timeSpan().optional(),
  maxPollingInterval: timeSpan().optional(),
  messageEncoding: str()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['base64', 'none'], { error: 'is not valid; accepted: base64, none' }))
    .optional(),
});

/** The `AzureFunctionsJobHost__extensions__queues__*` overrides that are set, validated (durations in ms). */
export type QueueOverrides = z.infer<typeof queueOverrides>;

/** Read and validate the queue-trigger overrides. Throws `ConfigError` naming each bad setting. */
export function loadQueueOverrides(rawEnv: Env = process.env): QueueOverrides {
  const env = normalizeEnv(rawEnv);
  const values = Object.fromEntries(
    Object.keys(queueOverrides.shape).map((k) => [k, env[`${QUEUE_OVERRIDE_PREFIX}${k}`]]),
  );
  const result = queueOverrides.safeParse(values);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = `${QUEUE_OVERRIDE_PREFIX}${String(issue.path[0])}`;
      return `${key}: ${describeValue(key, env[key])} ${issue.message}`;
    }),
  );
}

/** Whether this process is a worker of the Functions host (which sets these for its workers). */
export function runningInFunctionsHost(rawEnv: Env = process.env): boolean {
  return rawEnv.FUNCTIONS_WORKER_RUNTIME !== undefined || rawEnv.AzureWebJobsScriptRoot !== undefined;
}
