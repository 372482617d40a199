/**
 * The only reader of `process.env`. Validates every setting of `settings.ts` at cold start — each
 * field with its zod validator (config-schema.ts), then the rules across fields (config-rules.ts) —
 * and fails with one line per problem, naming the setting, the bad value (secrets never echoed)
 * and what is accepted. Also reads the host's queue-trigger overrides and whether the Functions
 * host runs this process.
 */
import { z } from 'zod';
import { CROSS_FIELD_RULES, inferMode, present } from './config-rules.js';
import { KEY_VAULT_REFERENCE, schema, SCHEMA_KEYS, str, type Env, type Parsed } from './config-schema.js';
import { CLOUDS, type CloudName, scopeFor } from './clouds.js';
import type { ContentType } from './content-types.js';
import { ConfigError } from './errors.js';
import { SECRET_KEYS, SETTINGS } from './settings.js';

export { SCHEMA_KEYS } from './config-schema.js';

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
  tenantTable: string;
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
  /** O365_CONSENT_SIGNING_KEY: signs and checks the state of admin-consent links. */
  consentSigningKey?: string;
  verifyTls: boolean;
  httpsProxy?: string;
  noProxy: readonly string[];
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
      tenantTable: p.O365_TENANT_TABLE,
      outputContainer: p.O365_OUTPUT_CONTAINER,
      outputConnection: p.O365_OUTPUT_CONNECTION,
    },
    webhookAuthId: p.O365_WEBHOOK_AUTH_ID,
    consentSigningKey: p.O365_CONSENT_SIGNING_KEY,
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
