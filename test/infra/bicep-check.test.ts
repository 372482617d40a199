/**
 * The infrastructure checks of tools/bicep/check.ts, run on the real infra/ (must be clean) and on
 * deliberately broken copies written to a temp dir (each check must catch its own kind of breakage).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAppSettingKeys,
  checkForbiddenSettings,
  checkInfra,
  checkNoSecrets,
  checkParamDefaults,
  checkSyntax,
  expectedAppSettingKeys,
  findAppSettings,
  formatFinding,
  HOST_SETTINGS,
  loadInfra,
  type BicepFile,
  type Finding,
} from '../../tools/bicep/check.js';
import { SETTINGS, type SettingSpec } from '../../shared/settings.js';
import { brokenCopies, INFRA, lineOf, type BrokenCopies, type Edit } from './broken-copy.js';

let copies: BrokenCopies;

beforeAll(async () => {
  copies = await brokenCopies();
});

afterAll(async () => {
  await copies.cleanup();
});

const brokenCopy = (...edits: Edit[]): Promise<string> => copies.make(...edits);

function messages(findings: readonly Finding[]): string[] {
  return findings.map(formatFinding);
}

describe('the real infra/', () => {
  let files: BicepFile[];
  beforeAll(async () => {
    files = await loadInfra(INFRA);
  });

  it('has main.bicep and the modules', () => {
    const names = files.map((f) => f.display).sort();
    expect(names).toEqual([
      'infra/main.bicep',
      'infra/modules/alerts.bicep',
      'infra/modules/functionapp.bicep',
      'infra/modules/identity.bicep',
      'infra/modules/keyvault.bicep',
      'infra/modules/monitoring.bicep',
      'infra/modules/network.bicep',
      'infra/modules/rbac.bicep',
      'infra/modules/storage.bicep',
    ]);
  });

  it('passes every check', async () => {
    expect(messages(await checkInfra(INFRA))).toEqual([]);
  });

  it('resolves the appsettings object from the site config to the object literal in main.bicep', () => {
    const found = findAppSettings(files);
    expect('check' in found).toBe(false);
    if ('check' in found) return;
    expect(found.file.display).toBe('infra/main.bicep');
    const keys = new Set(found.settings.map((s) => s.key));
    expect(keys).toEqual(expectedAppSettingKeys());
    // The expectation really is "catalogue minus AzureWebJobsStorage plus host settings".
    expect(keys.has('AzureWebJobsStorage')).toBe(false);
    for (const s of SETTINGS) if (s.key !== 'AzureWebJobsStorage') expect(keys.has(s.key), s.key).toBe(true);
    for (const h of HOST_SETTINGS) expect(keys.has(h), h).toBe(true);
  });
});

describe('check 1: syntax', () => {
  it('reports file:row:col of a missing closing brace', async () => {
    const dir = await brokenCopy({
      file: 'modules/storage.bicep',
      from: '  name: queueName\n}',
      to: '  name: queueName\n',
    });
    const findings = checkSyntax(await loadInfra(dir));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.file === 'infra/modules/storage.bicep')).toBe(true);
    expect(formatFinding(findings[0]!)).toMatch(/^infra\/modules\/storage\.bicep:\d+:\d+: \[syntax\] /);
  });

  it('reports an unparseable token with its position', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: "param baseName string = 'o365audit'",
      to: "param baseName string = = 'o365audit'",
    });
    const findings = checkSyntax(await loadInfra(dir));
    const line = await lineOf(path.join(dir, 'main.bicep'), '= = ');
    expect(findings.map((f) => [f.file, f.row])).toContainEqual(['infra/main.bicep', line]);
  });

  it('flags object spread, which the grammar cannot parse', async () => {
    const dir = await brokenCopy({
      file: 'modules/identity.bicep',
      from: '  tags: tags\n',
      to: '  tags: {\n    ...tags\n  }\n',
    });
    expect(checkSyntax(await loadInfra(dir)).length).toBeGreaterThan(0);
  });
});

describe('check 2: app-setting keys equal shared/settings.ts plus host settings', () => {
  it('reports a product setting removed from the Bicep', async () => {
    const dir = await brokenCopy({ file: 'main.bicep', from: '  O365_MASK_STYLE: o365MaskStyle\n', to: '' });
    expect(messages(checkAppSettingKeys(await loadInfra(dir)))).toEqual([
      expect.stringMatching(
        /^infra\/main\.bicep:\d+:\d+: \[appsettings\] app setting O365_MASK_STYLE is missing$/,
      ),
    ]);
  });

  it('reports a removed host setting', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: / {2}AzureWebJobsStorage__queueServiceUri: .*\n/,
      to: '',
    });
    expect(messages(checkAppSettingKeys(await loadInfra(dir)))).toEqual([
      expect.stringContaining('app setting AzureWebJobsStorage__queueServiceUri is missing'),
    ]);
  });

  it('reports an unknown extra setting with its position', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  NO_PROXY: noProxy\n',
      to: "  NO_PROXY: noProxy\n  O365_TYPO_SETTING: 'x'\n",
    });
    const findings = checkAppSettingKeys(await loadInfra(dir));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('O365_TYPO_SETTING');
    const line = await lineOf(path.join(dir, 'main.bicep'), 'O365_TYPO_SETTING');
    expect([findings[0]!.row, findings[0]!.column]).toEqual([line, 3]);
  });

  it('reports a computed key, which cannot be checked', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  NO_PROXY: noProxy\n',
      to: "  NO_PROXY: noProxy\n  '${baseName}_EXTRA': 'x'\n",
    });
    expect(checkAppSettingKeys(await loadInfra(dir)).map((f) => f.message)).toEqual([
      "app setting key '${baseName}_EXTRA' is computed; use a plain name",
    ]);
  });

  it('reports a setting added to the code catalogue but not to the Bicep', async () => {
    const files = await loadInfra(INFRA);
    const extended: SettingSpec[] = [...SETTINGS, { key: 'O365_NEW_KNOB', default: '1', description: 'new' }];
    expect(messages(checkAppSettingKeys(files, extended))).toEqual([
      expect.stringContaining('app setting O365_NEW_KNOB is missing'),
    ]);
  });

  it('reads keys from the AST: a commented-out setting does not count', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  O365_EVENT_FIELD: o365EventField\n',
      to: '  // O365_EVENT_FIELD: o365EventField\n',
    });
    expect(messages(checkAppSettingKeys(await loadInfra(dir)))).toEqual([
      expect.stringContaining('app setting O365_EVENT_FIELD is missing'),
    ]);
  });

  it('reports when the site no longer receives the settings object', async () => {
    const dir = await brokenCopy({
      file: 'modules/functionapp.bicep',
      from: "name: 'appsettings'",
      to: "name: 'web'",
    });
    expect(messages(checkAppSettingKeys(await loadInfra(dir)))).toEqual([
      expect.stringContaining(
        "expected exactly one Microsoft.Web/sites/config 'appsettings' resource, found 0",
      ),
    ]);
  });
});

describe('check 3: no legacy settings forbidden on Flex Consumption', () => {
  it('is clean on the real infra', async () => {
    expect(checkForbiddenSettings(await loadInfra(INFRA))).toEqual([]);
  });

  it('reports FUNCTIONS_WORKER_RUNTIME added to the app settings', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  NO_PROXY: noProxy\n',
      to: "  NO_PROXY: noProxy\n  FUNCTIONS_WORKER_RUNTIME: 'node'\n",
    });
    expect(messages(checkForbiddenSettings(await loadInfra(dir)))).toEqual([
      expect.stringMatching(
        /^infra\/main\.bicep:\d+:3: \[legacy\] FUNCTIONS_WORKER_RUNTIME must not be set on Flex Consumption$/,
      ),
    ]);
  });

  it('reports WEBSITE_RUN_FROM_PACKAGE in a siteConfig.appSettings array of another module', async () => {
    const dir = await brokenCopy({
      file: 'modules/functionapp.bicep',
      from: "      minTlsVersion: '1.2'\n",
      to: "      minTlsVersion: '1.2'\n      appSettings: [\n        {\n          name: 'WEBSITE_RUN_FROM_PACKAGE'\n          value: '1'\n        }\n      ]\n",
    });
    expect(messages(checkForbiddenSettings(await loadInfra(dir)))).toEqual([
      expect.stringContaining('infra/modules/functionapp.bicep'),
    ]);
    expect(checkForbiddenSettings(await loadInfra(dir))[0]!.message).toContain('WEBSITE_RUN_FROM_PACKAGE');
  });

  it('reports a plain AzureWebJobsStorage connection-string setting', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  NO_PROXY: noProxy\n',
      to: "  NO_PROXY: noProxy\n  AzureWebJobsStorage: 'UseDevelopmentStorage=true'\n",
    });
    expect(checkForbiddenSettings(await loadInfra(dir)).map((f) => f.message)).toEqual([
      'AzureWebJobsStorage must not be set on Flex Consumption',
    ]);
  });
});

describe('check 4: no secret values or storage keys', () => {
  it('is clean on the real infra and main.parameters.json', async () => {
    const text = await readFile(path.join(INFRA, 'main.parameters.json'), 'utf8');
    expect(
      checkNoSecrets(await loadInfra(INFRA), SETTINGS, { display: 'infra/main.parameters.json', text }),
    ).toEqual([]);
  });

  it('reports listKeys( added to a module', async () => {
    const dir = await brokenCopy({
      file: 'modules/storage.bicep',
      from: 'output id string = storage.id\n',
      to: 'output id string = storage.id\noutput key string = storage.listKeys().keys[0].value\n',
    });
    const findings = checkNoSecrets(await loadInfra(dir));
    expect(findings.map((f) => [f.file, f.message])).toEqual([
      [
        'infra/modules/storage.bicep',
        'listKeys() hands out keys or secrets; use Entra ID (managed identity) instead',
      ],
    ]);
  });

  it('reports a connection string with AccountKey= in the app settings', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  NO_PROXY: noProxy\n',
      to: "  NO_PROXY: noProxy\n  OUTPUT_STORAGE: 'DefaultEndpointsProtocol=https;AccountName=${storageAccountName};AccountKey=abc'\n",
    });
    expect(checkNoSecrets(await loadInfra(dir)).map((f) => f.message)).toEqual([
      'literal looks like a storage account key (AccountKey=)',
    ]);
  });

  describe('a bare storage account key (no AccountKey= around it)', () => {
    // Shaped like a real key (64 bytes, base64), but made up.
    const key = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');

    it('is shaped like one: 88 characters ending in ==', () => {
      expect(key).toHaveLength(88);
      expect(key.endsWith('==')).toBe(true);
    });

    it('reports it as a non-secure parameter default and as a variable', async () => {
      const dir = await brokenCopy({
        file: 'main.bicep',
        from: "param clientSecretName string = 'o365-client-secret'\n",
        to: `param clientSecretName string = 'o365-client-secret'\n\nparam outputKey string = '${key}'\n\nvar backupKey = '${key}'\n`,
      });
      const findings = checkNoSecrets(await loadInfra(dir));
      const file = path.join(dir, 'main.bicep');
      expect(findings.map((f) => [f.row, f.message])).toEqual([
        [
          await lineOf(file, 'param outputKey'),
          'literal looks like a storage account key (88 base64 characters)',
        ],
        [
          await lineOf(file, 'var backupKey'),
          'literal looks like a storage account key (88 base64 characters)',
        ],
      ]);
    });

    it('reports it in the parameters file', async () => {
      const text = JSON.stringify({ parameters: { outputKey: { value: key } } });
      expect(
        checkNoSecrets(await loadInfra(INFRA), SETTINGS, { display: 'infra/main.parameters.json', text }).map(
          (f) => f.message,
        ),
      ).toEqual(['parameter outputKey looks like a storage account key (88 base64 characters)']);
    });

    it('does not report a longer base64 run or an 88-character name without digits', async () => {
      const dir = await brokenCopy({
        file: 'main.bicep',
        from: "param clientSecretName string = 'o365-client-secret'\n",
        to: `param clientSecretName string = 'o365-client-secret'\n\nvar blob = '${key.slice(0, 86)}${key}'\n\nvar label = '${'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(2).slice(0, 86)}=='\n`,
      });
      expect(checkNoSecrets(await loadInfra(dir))).toEqual([]);
    });
  });

  it('reports a literal client secret assigned to O365_CLIENT_SECRET', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: / {2}O365_CLIENT_SECRET: .*\n/,
      to: "  O365_CLIENT_SECRET: 'Xy18Q~abcdefghijklmnopqrstuvwxyz0123456'\n",
    });
    const msgs = checkNoSecrets(await loadInfra(dir)).map((f) => f.message);
    expect(msgs).toContain('literal looks like an Entra client secret');
    expect(msgs).toContainEqual(
      expect.stringContaining('secret setting O365_CLIENT_SECRET must be a Key Vault reference or empty'),
    );
  });

  it('reports a GUID-like literal assigned to a secret setting', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: / {2}O365_WEBHOOK_AUTH_ID: .*\n/,
      to: "  O365_WEBHOOK_AUTH_ID: '3f1c2a9e-7b6d-4e21-9a0b-5c4d3e2f1a0b'\n",
    });
    expect(checkNoSecrets(await loadInfra(dir)).map((f) => f.message)).toEqual([
      expect.stringContaining('secret setting O365_WEBHOOK_AUTH_ID must be a Key Vault reference or empty'),
    ]);
  });

  it('reports a secret setting fed straight from a parameter (which could carry the value)', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: / {2}O365_MASK_HASH_KEY: .*\n/,
      to: '  O365_MASK_HASH_KEY: maskHashKeySecretName\n',
    });
    expect(checkNoSecrets(await loadInfra(dir)).map((f) => f.message)).toEqual([
      'secret setting O365_MASK_HASH_KEY must be a Key Vault reference or empty, found `maskHashKeySecretName`',
    ]);
  });

  it('reports a secure parameter with a default and a parameters file giving it a value', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: "param clientSecretName string = 'o365-client-secret'\n",
      to: "param clientSecretName string = 'o365-client-secret'\n\n@secure()\nparam clientSecret string = 'hunter2'\n",
    });
    const text = JSON.stringify({ parameters: { clientSecret: { value: 'hunter2' } } });
    const msgs = checkNoSecrets(await loadInfra(dir), SETTINGS, {
      display: 'infra/main.parameters.json',
      text,
    }).map((f) => f.message);
    expect(msgs).toEqual([
      'secure parameter clientSecret must not have a default value',
      'secure parameter clientSecret has a value; use a Key Vault "reference" instead',
    ]);
  });
});

describe('check 5: parameter defaults equal the code defaults', () => {
  it('is clean on the real infra', async () => {
    expect(checkParamDefaults(await loadInfra(INFRA))).toEqual([]);
  });

  it('reports a parameter default that drifted from shared/settings.ts', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: "param o365WindowMinutes string = '240'",
      to: "param o365WindowMinutes string = '60'",
    });
    expect(checkParamDefaults(await loadInfra(dir)).map((f) => f.message)).toEqual([
      'parameter o365WindowMinutes (O365_WINDOW_MINUTES) defaults to \'60\', the code default is "240"',
    ]);
  });

  it('reports a code default that changed while the Bicep stayed', async () => {
    const files = await loadInfra(INFRA);
    const changed = SETTINGS.map((s) =>
      s.key === 'O365_QUEUE_NAME' ? { ...s, default: 'o365-content-v2' } : s,
    );
    expect(checkParamDefaults(files, changed).map((f) => f.message)).toEqual([
      'parameter o365QueueName (O365_QUEUE_NAME) defaults to \'o365-content\', the code default is "o365-content-v2"',
    ]);
  });

  it('reports a setting hard-coded instead of taken from a parameter', async () => {
    const dir = await brokenCopy({
      file: 'main.bicep',
      from: '  O365_CLOUD: o365Cloud\n',
      to: "  O365_CLOUD: 'commercial'\n",
    });
    expect(checkParamDefaults(await loadInfra(dir)).map((f) => f.message)).toEqual([
      "O365_CLOUD must take its value from a parameter (found `'commercial'`)",
    ]);
  });

  it('reports a default for a required setting and an @allowed list without the default', async () => {
    const dir = await brokenCopy(
      {
        file: 'main.bicep',
        from: 'param o365TenantId string\n',
        to: "param o365TenantId string = 'common'\n",
      },
      { file: 'main.bicep', from: "@allowed(['exclude', 'include'])", to: "@allowed(['include'])" },
    );
    expect(checkParamDefaults(await loadInfra(dir)).map((f) => f.message)).toEqual([
      'O365_TENANT_ID is required: parameter o365TenantId must not have a default',
      '@allowed of o365FilterMode does not include the default "exclude"',
    ]);
  });
});
