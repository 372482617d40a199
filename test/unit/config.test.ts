import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveStorageConnection, SCHEMA_KEYS } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { SETTINGS, type SettingSpec } from '../../shared/settings.js';
import { expectedAppSettingKeys, HOST_SETTINGS, REPLACED_SETTINGS } from '../../tools/bicep/rules.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const base = {
  O365_TENANT_ID: TENANT,
  O365_CLIENT_ID: CLIENT,
  O365_CLIENT_SECRET: 'super-secret-value-123',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('applies every documented default', () => {
    const c = loadConfig(base);
    expect(c.auth).toEqual({ mode: 'secret', clientSecret: 'super-secret-value-123' });
    expect(c.apiRoot).toBe('https://manage.office.com');
    expect(c.loginAuthority).toBe('https://login.microsoftonline.com');
    expect(c.scope).toBe('https://manage.office.com/.default');
    expect(c.publisherId).toBe(TENANT);
    expect(c.contentTypes).toHaveLength(5);
    expect(c.windowMinutes).toBe(240);
    expect(c.initialLookbackHours).toBe(8);
    expect(c.paddingMinutes).toBe(60);
    expect(c.maxRequestsPerMinute).toBe(1500);
    expect(c.mask).toEqual({ enabled: true, style: 'redact', hashKey: undefined });
    expect(c.filter.mode).toBe('exclude');
    expect(c.storage).toMatchObject({ queueName: 'o365-content', poisonQueueName: 'o365-content-poison' });
    expect(c.fields.environmentRegex.source).toBe('.*');
  });

  it.each([
    ['missing tenant', { O365_TENANT_ID: undefined }, 'O365_TENANT_ID', 'is required'],
    ['malformed GUID', { O365_TENANT_ID: 'not-a-guid' }, 'O365_TENANT_ID', 'not a GUID'],
    ['window out of range', { O365_WINDOW_MINUTES: '2000' }, 'O365_WINDOW_MINUTES', 'from 1 to 1440'],
    [
      'look-back out of range',
      { O365_INITIAL_LOOKBACK_HOURS: '168' },
      'O365_INITIAL_LOOKBACK_HOURS',
      'from 1 to 167',
    ],
    ['non-numeric', { O365_MAX_CONTENT_PER_RUN: 'lots' }, 'O365_MAX_CONTENT_PER_RUN', 'not a whole number'],
    [
      'both credentials',
      { O365_CERTIFICATE_PEM: '-----BEGIN PRIVATE KEY-----\nx' },
      'O365_AUTH_MODE',
      'both',
    ],
    ['unknown cloud', { O365_CLOUD: 'germany' }, 'O365_CLOUD', 'commercial, gcc, gcchigh, dod, china'],
    ['bad regex', { O365_ENVIRONMENT_REGEX: '([a-z' }, 'O365_ENVIRONMENT_REGEX', 'regular expression'],
    ['http API root', { O365_API_ROOT: 'http://manage.office.com' }, 'O365_API_ROOT', 'https'],
    ['API root with path', { O365_API_ROOT: 'https://manage.office.com/api' }, 'O365_API_ROOT', 'origin'],
    [
      'http login authority',
      { O365_LOGIN_AUTHORITY: 'http://login.example' },
      'O365_LOGIN_AUTHORITY',
      'https',
    ],
    [
      'unknown content type',
      { O365_CONTENT_TYPES: 'Audit.Exchange,Audit.Teams' },
      'O365_CONTENT_TYPES',
      'unknown content type',
    ],
    ['hash without key', { O365_MASK_STYLE: 'hash' }, 'O365_MASK_HASH_KEY', 'required'],
    ['bad boolean', { O365_MASK_FINDINGS: 'sometimes' }, 'O365_MASK_FINDINGS', 'boolean'],
    ['bad filter mode', { O365_FILTER_MODE: 'blacklist' }, 'O365_FILTER_MODE', 'exclude, include'],
    ['bad queue name', { O365_QUEUE_NAME: 'Bad_Queue' }, 'O365_QUEUE_NAME', 'queue name'],
    [
      'bad schedule',
      { O365_ENUMERATE_SCHEDULE: 'every five minutes' },
      'O365_ENUMERATE_SCHEDULE',
      'NCRONTAB',
    ],
    ['missing storage', { AzureWebJobsStorage: undefined }, 'AzureWebJobsStorage', 'required'],
    [
      'cert path missing',
      { O365_CLIENT_SECRET: undefined, O365_CERTIFICATE_PATH: '/nope/cert.pem' },
      'O365_CERTIFICATE_PATH',
      'does not exist',
    ],
    [
      'federated without identity',
      { O365_CLIENT_SECRET: undefined, O365_AUTH_MODE: 'federated' },
      'O365_FEDERATED_IDENTITY_CLIENT_ID',
      'required',
    ],
    ['no credential at all', { O365_CLIENT_SECRET: undefined }, 'O365_AUTH_MODE', 'no credential'],
    ['proxy not a URL', { HTTPS_PROXY: 'proxy:3128' }, 'HTTPS_PROXY', 'http(s) URL'],
  ])('rejects %s, naming the setting', (_name, change, key, fragment) => {
    const problems = problemsOf({ ...base, ...change });
    const line = problems.find((p) => p.startsWith(`${key}:`));
    expect(line, problems.join('\n')).toBeDefined();
    expect(line).toContain(fragment);
  });

  it('reports every problem at once, one line each', () => {
    const problems = problemsOf({
      ...base,
      O365_WINDOW_MINUTES: '0',
      O365_CLOUD: 'mars',
      O365_TENANT_ID: 'x',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'O365_CLOUD',
      'O365_TENANT_ID',
      'O365_WINDOW_MINUTES',
    ]);
  });

  describe('one credential kind per auth mode', () => {
    const PEM = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----';
    const REFRESH = 'stray-refresh-token-value';

    it.each([
      ['secret', { O365_REFRESH_TOKEN: REFRESH }, ['O365_REFRESH_TOKEN']],
      ['secret', { O365_FEDERATED_IDENTITY_CLIENT_ID: CLIENT }, ['O365_FEDERATED_IDENTITY_CLIENT_ID']],
      [
        'secret',
        { O365_CERTIFICATE_PEM: PEM, O365_CERTIFICATE_PASSWORD: 'pw-1234567' },
        ['O365_CERTIFICATE_PASSWORD', 'O365_CERTIFICATE_PEM'],
      ],
      [
        'certificate',
        { O365_CERTIFICATE_PEM: PEM, O365_REFRESH_TOKEN: REFRESH },
        ['O365_CLIENT_SECRET', 'O365_REFRESH_TOKEN'],
      ],
      [
        'certificate',
        {
          O365_CLIENT_SECRET: undefined,
          O365_CERTIFICATE_PEM: PEM,
          O365_FEDERATED_IDENTITY_CLIENT_ID: CLIENT,
        },
        ['O365_FEDERATED_IDENTITY_CLIENT_ID'],
      ],
      [
        'federated',
        { O365_FEDERATED_IDENTITY_CLIENT_ID: CLIENT, O365_REFRESH_TOKEN: REFRESH },
        ['O365_CLIENT_SECRET', 'O365_REFRESH_TOKEN'],
      ],
      [
        'refreshToken',
        { O365_REFRESH_TOKEN: REFRESH, O365_FEDERATED_IDENTITY_CLIENT_ID: CLIENT },
        ['O365_FEDERATED_IDENTITY_CLIENT_ID'],
      ],
    ])('O365_AUTH_MODE=%s refuses a stray credential of another kind, naming it', (mode, change, stray) => {
      const problems = problemsOf({ ...base, O365_AUTH_MODE: mode, ...change });
      const named = problems.filter((p) => p.includes(`must not be set when O365_AUTH_MODE is ${mode}`));
      expect(named.map((p) => p.split(':')[0]).sort(), problems.join('\n')).toEqual(stray);
      const text = problems.join('\n');
      for (const secret of ['super-secret-value-123', REFRESH, PEM, 'pw-1234567'])
        expect(text).not.toContain(secret);
    });

    it('refuses a stray credential beside an inferred mode too', () => {
      expect(problemsOf({ ...base, O365_FEDERATED_IDENTITY_CLIENT_ID: CLIENT })).toEqual([
        expect.stringMatching(
          /^O365_FEDERATED_IDENTITY_CLIENT_ID: "[-0-9]+" must not be set when the auth mode is secret \(inferred/,
        ),
      ]);
    });

    it('refuses a certificate password beside a refresh token redeemed with a secret', () => {
      const problems = problemsOf({
        ...base,
        O365_REFRESH_TOKEN: REFRESH,
        O365_CERTIFICATE_PASSWORD: 'pw-1234567',
      });
      expect(problems).toEqual([
        expect.stringMatching(
          /^O365_CERTIFICATE_PASSWORD: \(value hidden\) is set, but the client credential/,
        ),
      ]);
    });

    it('accepts exactly one kind per mode', () => {
      expect(loadConfig({ ...base, O365_AUTH_MODE: 'secret' }).auth.mode).toBe('secret');
      expect(
        loadConfig({
          ...base,
          O365_CLIENT_SECRET: undefined,
          O365_AUTH_MODE: 'certificate',
          O365_CERTIFICATE_PEM: PEM,
        }).auth.mode,
      ).toBe('certificate');
      expect(
        loadConfig({ ...base, O365_AUTH_MODE: 'refreshToken', O365_REFRESH_TOKEN: REFRESH }).auth,
      ).toMatchObject({
        mode: 'refreshToken',
        clientSecret: 'super-secret-value-123',
      });
    });
  });

  describe('field and cross-field problems in one report', () => {
    it('reports a field error together with cross-field errors', () => {
      const problems = problemsOf({
        ...base,
        O365_WINDOW_MINUTES: '0',
        O365_MASK_STYLE: 'hash',
        O365_AUTH_MODE: 'secret',
        O365_REFRESH_TOKEN: 'stray-refresh-token-value',
        AzureWebJobsStorage: undefined,
      });
      expect(problems.map((p) => p.split(':')[0])).toEqual([
        'O365_WINDOW_MINUTES',
        'O365_REFRESH_TOKEN',
        'O365_MASK_HASH_KEY',
        'AzureWebJobsStorage',
      ]);
    });

    it('reports a stray credential whose own value is also invalid, both ways', () => {
      const problems = problemsOf({
        ...base,
        O365_AUTH_MODE: 'secret',
        O365_FEDERATED_IDENTITY_CLIENT_ID: 'mi',
      });
      expect(problems).toEqual([
        expect.stringMatching(/^O365_FEDERATED_IDENTITY_CLIENT_ID: "mi" is not a GUID/),
        expect.stringMatching(
          /^O365_FEDERATED_IDENTITY_CLIENT_ID: "mi" must not be set when O365_AUTH_MODE is secret/,
        ),
      ]);
    });

    it.each([
      // An invalid mode: the credential rules cannot be evaluated, so no "no credential" guess.
      [{ O365_AUTH_MODE: 'password', O365_CLIENT_SECRET: undefined }, ['O365_TENANT_ID', 'O365_AUTH_MODE']],
      // An invalid mask style or switch: the hash-key rule cannot tell whether a key is needed.
      [{ O365_MASK_STYLE: 'blur' }, ['O365_TENANT_ID', 'O365_MASK_STYLE']],
      [
        { O365_MASK_FINDINGS: 'sometimes', O365_MASK_STYLE: 'hash' },
        ['O365_TENANT_ID', 'O365_MASK_FINDINGS'],
      ],
      // An invalid connection name: nothing to look up.
      [{ O365_OUTPUT_CONNECTION: 'has-hyphen' }, ['O365_TENANT_ID', 'O365_OUTPUT_CONNECTION']],
      // An unresolved Key Vault reference is a failed field: no second line about its value.
      [
        { O365_OUTPUT_CONNECTION: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/s/)' },
        ['O365_OUTPUT_CONNECTION', 'O365_TENANT_ID'],
      ],
    ])('skips only the rules that depend on a failed field (%j)', (change, fieldProblems) => {
      const problems = problemsOf({
        ...base,
        ...change,
        O365_TENANT_ID: 'x',
        AzureWebJobsStorage: undefined,
      });
      // The storage rule depends on none of them, so it still runs.
      expect(problems.map((p) => p.split(':')[0])).toEqual([...fieldProblems, 'AzureWebJobsStorage']);
    });
  });

  it('never echoes a secret value in a problem', () => {
    const problems = problemsOf({
      ...base,
      O365_CERTIFICATE_PEM: 'hunter2-is-my-password',
      O365_MASK_HASH_KEY: 'short-key',
    });
    const text = problems.join('\n');
    expect(text).toContain('O365_CERTIFICATE_PEM: (value hidden)');
    expect(text).not.toContain('hunter2-is-my-password');
    expect(text).not.toContain('short-key');
    expect(text).not.toContain('super-secret-value-123');
  });

  it('names an unresolved Key Vault reference', () => {
    const problems = problemsOf({
      ...base,
      O365_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/s/)',
    });
    expect(problems[0]).toMatch(/^O365_CLIENT_SECRET: is an unresolved Key Vault reference/);
  });

  it.each([
    [
      'commercial',
      'https://manage.office.com',
      'https://login.microsoftonline.com',
      'api://AzureADTokenExchange',
    ],
    [
      'gcc',
      'https://manage-gcc.office.com',
      'https://login.microsoftonline.com',
      'api://AzureADTokenExchange',
    ],
    [
      'gcchigh',
      'https://manage.office365.us',
      'https://login.microsoftonline.us',
      'api://AzureADTokenExchangeUSGov',
    ],
    [
      'dod',
      'https://manage.protection.apps.mil',
      'https://login.microsoftonline.us',
      'api://AzureADTokenExchangeUSGov',
    ],
    [
      'china',
      'https://manage.office365.cn',
      'https://login.partner.microsoftonline.cn',
      'api://AzureADTokenExchangeChina',
    ],
  ])(
    'maps cloud %s to its API root, authority, scope and federated audience',
    (cloud, api, login, audience) => {
      const c = loadConfig({
        ...base,
        O365_CLIENT_SECRET: undefined,
        O365_FEDERATED_IDENTITY_CLIENT_ID: CLIENT,
        O365_CLOUD: cloud,
      });
      expect(c.apiRoot).toBe(api);
      expect(c.loginAuthority).toBe(login);
      expect(c.scope).toBe(`${api}/.default`);
      expect(c.auth).toEqual({ mode: 'federated', federatedIdentityClientId: CLIENT, audience });
    },
  );

  it('lets overrides win over the cloud table', () => {
    const c = loadConfig({
      ...base,
      O365_CLOUD: 'gcchigh',
      O365_API_ROOT: 'https://127.0.0.1:8443/',
      O365_LOGIN_AUTHORITY: 'https://127.0.0.1:8443',
    });
    expect(c.apiRoot).toBe('https://127.0.0.1:8443');
    expect(c.scope).toBe('https://127.0.0.1:8443/.default');
    expect(c.loginAuthority).toBe('https://127.0.0.1:8443');
  });

  it('parses CSV filters, trimming blanks, and infers the certificate mode', () => {
    const c = loadConfig({
      ...base,
      O365_CLIENT_SECRET: undefined,
      O365_CERTIFICATE_PEM: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
      O365_FILTER_OPERATIONS: ' FileAccessed, ,UserLoggedIn ',
      O365_FILTER_MODE: 'include',
    });
    expect(c.auth.mode).toBe('certificate');
    expect(c.filter).toMatchObject({ operations: ['FileAccessed', 'UserLoggedIn'], mode: 'include' });
  });

  it('accepts identity-based storage settings and resolves service URIs', () => {
    const env = {
      ...base,
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__accountName: 'acct',
      AzureWebJobsStorage__clientId: CLIENT,
    };
    expect(() => loadConfig(env)).not.toThrow();
    expect(resolveStorageConnection('AzureWebJobsStorage', env)).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      tableServiceUri: 'https://acct.table.core.windows.net',
      clientId: CLIENT,
    });
  });
});

/**
 * Keys that are settings but not zod schema fields, and where they may appear instead. Kept short:
 * each is here for a reason the code cannot express.
 */
const NOT_SCHEMA_FIELDS: Record<string, readonly ('catalogue' | 'example' | 'readme')[]> = {
  // Checked by the storage rule in config.ts, not a field: it may be replaced by
  // AzureWebJobsStorage__* identity settings (as the Bicep does, see REPLACED_SETTINGS).
  AzureWebJobsStorage: ['catalogue', 'example', 'readme'],
  // Core Tools need it to start the host locally; the app does not read it as a setting, and Flex
  // Consumption forbids it (so it is not in the Bicep).
  FUNCTIONS_WORKER_RUNTIME: ['example'],
};

function exempt(where: 'catalogue' | 'example' | 'readme'): string[] {
  return Object.entries(NOT_SCHEMA_FIELDS)
    .filter(([, places]) => places.includes(where))
    .map(([k]) => k);
}

const sorted = (keys: Iterable<string>) => [...keys].sort();
const schemaPlus = (where: 'catalogue' | 'example' | 'readme') => sorted([...SCHEMA_KEYS, ...exempt(where)]);

/** The README configuration table: one row per setting, cells split at unescaped pipes. */
function readmeConfigRows(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  return table.split('\n').filter((l) => /^\| `[^`]+` \|/.test(l));
}

/** The README row a setting must have; `|` in the text is escaped so it stays in its cell. */
function readmeRow(s: SettingSpec): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const dflt = s.default !== undefined ? `\`${s.default}\`` : s.required ? 'required' : '—';
  return `| \`${s.key}\` | ${escape(dflt)} | ${escape(s.description)} |`;
}

describe('the zod schema, the catalogue and the documents name the same settings', () => {
  it('derives the keys from the schema object', () => {
    expect(SCHEMA_KEYS).toContain('O365_TENANT_ID');
    expect(SCHEMA_KEYS).toContain('NO_PROXY');
    expect(new Set(SCHEMA_KEYS).size).toBe(SCHEMA_KEYS.length);
  });

  it('the catalogue (shared/settings.ts) lists exactly the schema fields', () => {
    expect(sorted(SETTINGS.map((s) => s.key))).toEqual(schemaPlus('catalogue'));
  });

  it('local.settings.example.json has exactly the schema fields, with their defaults', () => {
    const example = JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(sorted(Object.keys(example.Values))).toEqual(schemaPlus('example'));
    expect(example.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    for (const s of SETTINGS) expect(example.Values[s.key], s.key).toBe(s.default ?? s.example ?? '');
  });

  it('the README configuration table has exactly the schema fields, each row from the catalogue', () => {
    const rows = readmeConfigRows();
    expect(sorted(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1]!))).toEqual(schemaPlus('readme'));
    for (const s of SETTINGS) expect(rows, s.key).toContain(readmeRow(s));
    // Three cells per row on GitHub: a bare `|` in a cell would start a new one.
    for (const r of rows) expect(r.slice(1, -1).split(/(?<!\\)\|/), r).toHaveLength(3);
  });

  it('the Bicep app settings are the schema fields plus the host settings', () => {
    // test/infra/bicep-check.test.ts proves the Bicep's keys equal expectedAppSettingKeys(); this
    // ties that set to the schema. AzureWebJobsStorage is replaced there by its __* settings.
    const bicep = expectedAppSettingKeys();
    const product = [...bicep].filter((k) => !HOST_SETTINGS.includes(k));
    expect(sorted(product)).toEqual(sorted(SCHEMA_KEYS));
    expect(REPLACED_SETTINGS).toEqual(exempt('catalogue'));
  });

  it('would see a row with an unescaped pipe (the check itself)', () => {
    const spec = SETTINGS.find((s) => s.key === 'O365_CLOUD')!;
    const bare = `| \`${spec.key}\` | \`${spec.default}\` | ${spec.description} |`;
    expect(bare).not.toBe(readmeRow(spec));
    expect(bare.slice(1, -1).split(/(?<!\\)\|/).length).toBeGreaterThan(3);
  });
});
