/**
 * The zod schema of every setting in `settings.ts`: one validator per setting, with its default,
 * range and message (what is accepted). Cross-field rules are in config-rules.ts; `loadConfig` in
 * config.ts runs both.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { CLOUD_NAMES } from './clouds.js';
import { CONTENT_TYPES } from './content-types.js';
import { MIN_REDACTED_SECRET_LENGTH } from './logger.js';
import { SETTINGS } from './settings.js';

export type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

export const str = (what = 'text') =>
  z.string({ error: (i) => (i.input === undefined ? 'is required' : `must be ${what}`) });

/**
 * A secret setting: shorter values are refused rather than left unredacted, since the logger only
 * scrubs secrets of at least MIN_REDACTED_SECRET_LENGTH characters (shared/logger.ts).
 */
const secret = (min = MIN_REDACTED_SECRET_LENGTH) =>
  str().min(min, {
    error: `is too short to be kept out of logs; accepted: at least ${min} characters`,
  });

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

export const schema = z.object({
  O365_TENANT_ID: guid(),
  O365_CLIENT_ID: guid(),
  O365_CLIENT_SECRET: secret().optional(),
  O365_CERTIFICATE_PATH: str()
    .refine((p) => existsSync(p), { error: 'names a file that does not exist' })
    .optional(),
  O365_CERTIFICATE_PEM: str()
    .refine((p) => p.includes('-----BEGIN'), { error: 'is not PEM text (no -----BEGIN line)' })
    .optional(),
  O365_CERTIFICATE_PASSWORD: secret().optional(),
  O365_AUTH_MODE: oneOf(['secret', 'certificate', 'federated', 'refreshToken'] as const).optional(),
  O365_FEDERATED_IDENTITY_CLIENT_ID: guid().optional(),
  O365_REFRESH_TOKEN: secret().optional(),
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
  O365_MASK_HASH_KEY: secret(16).optional(),
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
  O365_TENANT_TABLE: tableName().prefault(d('O365_TENANT_TABLE')),
  O365_OUTPUT_CONTAINER: containerName().prefault(d('O365_OUTPUT_CONTAINER')),
  O365_OUTPUT_CONNECTION: str()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'is not a setting name' })
    .prefault(d('O365_OUTPUT_CONNECTION')),
  // Compared with the Webhook-AuthID header; a short one is guessable as well as hard to redact.
  O365_WEBHOOK_AUTH_ID: secret(16).optional(),
  O365_CONSENT_SIGNING_KEY: str()
    .min(32, { error: 'is too short; accepted: at least 32 characters (e.g. 48 random bytes in base64)' })
    .optional(),
  O365_VERIFY_TLS: bool().prefault(d('O365_VERIFY_TLS')),
  HTTPS_PROXY: proxyUrl().optional(),
  NO_PROXY: csv().prefault(''),
});

export type Parsed = z.infer<typeof schema>;
export type Key = keyof Parsed;

/** The zod schema's setting keys, for the drift tests (README, example file, Bicep). */
export const SCHEMA_KEYS: readonly Key[] = Object.keys(schema.shape) as Key[];
