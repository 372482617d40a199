/**
 * Rules across settings: exactly one credential kind per auth mode (explicit or inferred), the hash
 * key for hash masking, the storage connections. Each rule names the settings it reads and is
 * skipped when one of them failed its own validation (already reported).
 */
import type { AuthMode } from './config.js';
import type { Env, Key, Parsed } from './config-schema.js';

/** Credential settings by kind; issue 2: exactly one kind per auth mode. */
const CREDENTIAL_KINDS = {
  secret: ['O365_CLIENT_SECRET'],
  certificate: ['O365_CERTIFICATE_PATH', 'O365_CERTIFICATE_PEM', 'O365_CERTIFICATE_PASSWORD'],
  federated: ['O365_FEDERATED_IDENTITY_CLIENT_ID'],
  refreshToken: ['O365_REFRESH_TOKEN'],
} as const satisfies Record<AuthMode, readonly Key[]>;

/** Settings that each make a credential on their own (a certificate password does not). */
export const CREDENTIAL_SETTINGS: readonly Key[] = Object.values(CREDENTIAL_KINDS)
  .flat()
  .filter((k) => k !== 'O365_CERTIFICATE_PASSWORD');

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

export type Problem = [key: string, message: string];

/**
 * A rule across settings. It reads the parsed values of `needs` only, and is skipped when one of
 * them failed validation (its problem is already reported). Which credentials are set is read from
 * the environment: being set is a fact even when the value is invalid.
 */
export interface CrossFieldRule {
  needs: readonly Key[];
  check(p: Parsed, env: Env): Problem[];
}

function rule<K extends Key>(
  needs: readonly K[],
  check: (p: Pick<Parsed, K>, env: Env) => Problem[],
): CrossFieldRule {
  return { needs, check };
}

export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
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

export function inferMode(env: Env): AuthMode | undefined {
  const hasSecret = env.O365_CLIENT_SECRET !== undefined;
  const hasCert = env.O365_CERTIFICATE_PATH !== undefined || env.O365_CERTIFICATE_PEM !== undefined;
  if (env.O365_REFRESH_TOKEN !== undefined) return 'refreshToken';
  if (hasSecret && hasCert) return undefined;
  if (hasSecret) return 'secret';
  if (hasCert) return 'certificate';
  if (env.O365_FEDERATED_IDENTITY_CLIENT_ID !== undefined) return 'federated';
  return undefined;
}

export function hasStorageConnection(env: Env, name: string): boolean {
  if (present(env[name])) return true;
  const prefix = `${name}__`;
  return Object.keys(env).some((k) => k.startsWith(prefix) && present(env[k]));
}

export function present(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}
