/**
 * Every setting of the catalogue (shared/settings.ts) with wrong types and out-of-range values,
 * against loadConfig: a ConfigError naming the setting and what is accepted, never a crash, never
 * the secret value echoed. Settings that take any text get hostile text and must load.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';
import { SECRET_KEYS, SETTINGS } from '../../../shared/settings.js';

const GUID = '9f098ba8-72d4-4199-b762-ed7f77bc2c60';
const BASE: Record<string, string> = {
  O365_TENANT_ID: GUID,
  O365_CLIENT_ID: GUID,
  O365_CLIENT_SECRET: 'base-secret-value-123',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};
const HOSTILE = ['x'.repeat(100_000), 'ünïcødé ✓ \u0000 nul', 'a,,b, ,c', '$(rm -rf /)', '../../etc/passwd'];
const int = ['abc', '-1', '1.5', '1e3', '0x10', '99999999999999999999'];
const bool = ['maybe', '2', 'truee', 'null'];

/** Bad values per setting; `null` = any text is accepted (hostile text must load). */
const BAD: Record<string, string[] | null> = {
  O365_TENANT_ID: ['not-a-guid', '9f098ba8-72d4-4199-b762-ed7f77bc2c6', `${GUID}x`, '{guid}'],
  O365_CLIENT_ID: ['client', '00000000-0000-0000-0000-00000000000g'],
  O365_CLIENT_SECRET: ['short'],
  O365_CERTIFICATE_PATH: ['/does/not/exist.pem', '\u0000'],
  O365_CERTIFICATE_PEM: ['not pem', 'MIIB...'],
  O365_CERTIFICATE_PASSWORD: ['12345'],
  O365_AUTH_MODE: ['password', 'SECRET?', 'federated'],
  O365_FEDERATED_IDENTITY_CLIENT_ID: ['mi'],
  O365_REFRESH_TOKEN: ['tok'],
  O365_CLOUD: ['mars', 'gcc-high', 'Commercial!'],
  O365_API_ROOT: [
    'http://manage.office.com',
    'manage.office.com',
    'https://host/path',
    'https://u:p@host',
    'https://host?x=1',
  ],
  O365_LOGIN_AUTHORITY: ['ftp://login', 'https://login/tenant'],
  O365_PUBLISHER_ID: ['publisher'],
  O365_CONTENT_TYPES: ['Audit.Everything', 'Audit.Exchange,Nope', ',,,'],
  O365_AUTO_SUBSCRIBE: bool,
  O365_ENUMERATE_SCHEDULE: ['every 5 minutes', '* *', '0 */5 * * *  * * *'],
  O365_ENUMERATE_BUDGET_SECONDS: [...int, '9', '1501'],
  O365_INITIAL_LOOKBACK_HOURS: [...int, '0', '168'],
  O365_WINDOW_MINUTES: [...int, '0', '1441'],
  O365_PADDING_MINUTES: [...int, '1441'],
  O365_MAX_CONTENT_PER_RUN: [...int, '0', '100001'],
  O365_MAX_REQUESTS_PER_MINUTE: [...int, '0', '60001'],
  O365_FILTER_OPERATIONS: null,
  O365_FILTER_STATUSES: null,
  O365_FILTER_POLICIES: null,
  O365_FILTER_MODE: ['blacklist', 'EXCLUDE!'],
  O365_MASK_FINDINGS: bool,
  O365_MASK_STYLE: ['blur', 'hash2'],
  O365_MASK_HASH_KEY: ['short-key'],
  O365_ENTITY_KEYS: null,
  O365_PRODUCT_FIELD: null,
  O365_EVENT_FIELD: null,
  O365_ENVIRONMENT_FIELD: null,
  O365_ENVIRONMENT_REGEX: ['(unclosed', '[z-a]', '*'],
  O365_DEFAULT_ENVIRONMENT: null,
  O365_QUEUE_NAME: ['UPPER', 'a', 'double--hyphen', '-lead', 'x'.repeat(58), 'under_score'],
  O365_CHECKPOINT_TABLE: ['1table', 'ta', 'with-hyphen', 'x'.repeat(64)],
  O365_LEDGER_TABLE: ['le dger', 'l'],
  O365_EVENT_ID_TABLE: ['event-ids', 'e', '9ids'],
  O365_TENANT_TABLE: ['o365-tenants', 'tt', '1tenants'],
  O365_OUTPUT_CONTAINER: ['Out', 'o', 'a--b', 'x'.repeat(64)],
  O365_OUTPUT_CONNECTION: ['1bad', 'has-hyphen', 'MissingSetting'],
  O365_WEBHOOK_AUTH_ID: ['fifteen-chars!!'],
  O365_CONSENT_SIGNING_KEY: ['short', 'x'.repeat(31)],
  O365_VERIFY_TLS: bool,
  HTTPS_PROXY: ['proxy:8080', 'socks5://proxy:1080'],
  NO_PROXY: null,
  AzureWebJobsStorage: [],
};

/** Values some settings need beside them for the bad value to be the only problem. */
const CONTEXT: Record<string, Record<string, string>> = {
  O365_MASK_HASH_KEY: { O365_MASK_STYLE: 'hash' },
  O365_CERTIFICATE_PASSWORD: { O365_CLIENT_SECRET: '', O365_CERTIFICATE_PEM: '-----BEGIN PRIVATE KEY-----' },
  O365_REFRESH_TOKEN: { O365_AUTH_MODE: 'refreshToken' },
  O365_FEDERATED_IDENTITY_CLIENT_ID: { O365_CLIENT_SECRET: '' },
};

function problemsOf(env: Record<string, string>): string[] | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
}

describe('configuration values', () => {
  it('the table covers every setting of the catalogue', () => {
    // A new setting must get its row here; rows for settings not (yet) in the catalogue are skipped.
    expect(SETTINGS.map((s) => s.key).filter((k) => !(k in BAD))).toEqual([]);
  });

  it('the base configuration loads', () => {
    expect(problemsOf(BASE)).toBeUndefined();
  });

  const known = new Set(SETTINGS.map((s) => s.key));
  const rows = Object.entries(BAD)
    .filter(([key]) => known.has(key))
    .flatMap(([key, values]) => (values === null ? [] : values.map((value) => [key, value] as const)));
  it.each(rows)('%s = %j is refused with a message naming the setting', (key, value) => {
    const env = { ...BASE, ...CONTEXT[key], [key]: value };
    const problems = problemsOf(env);
    expect(problems, `${key}=${value} was accepted`).toBeDefined();
    const mine = problems!.filter((p) => p.startsWith(`${key}:`) || p.includes(key));
    expect(mine.length, problems!.join('\n')).toBeGreaterThan(0);
    for (const p of problems!) {
      expect(p.length).toBeLessThan(600);
      if (SECRET_KEYS.has(key) && value.length >= 6) expect(p).not.toContain(value);
    }
  });

  it.each(
    Object.entries(BAD)
      .filter(([, v]) => v === null)
      .map(([k]) => k),
  )('%s takes any text: hostile values load or fail cleanly', (key) => {
    for (const value of HOSTILE) {
      const problems = problemsOf({ ...BASE, [key]: value });
      // Loading is fine; a refusal must still be a clean ConfigError naming a setting.
      for (const p of problems ?? []) expect(p).toMatch(/^[A-Za-z0-9_]+:/);
      if (SECRET_KEYS.has(key)) for (const p of problems ?? []) expect(p).not.toContain(value.slice(0, 40));
    }
  });

  it('a missing required setting and an empty environment are named', () => {
    expect(problemsOf({})!.join('\n')).toMatch(/O365_TENANT_ID.*required/);
    const { AzureWebJobsStorage: _s, ...noStorage } = BASE;
    expect(problemsOf(noStorage)!.join('\n')).toMatch(/AzureWebJobsStorage/);
  });

  it('an unresolved Key Vault reference is named, its text not echoed as a value', () => {
    const problems = problemsOf({
      ...BASE,
      O365_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=https://v/secrets/s)',
    });
    expect(problems!.join('\n')).toMatch(/O365_CLIENT_SECRET: is an unresolved Key Vault reference/);
  });
});
