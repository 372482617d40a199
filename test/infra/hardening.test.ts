/**
 * The security hardening rules of check 6 (tools/bicep/hardening.ts): each breakage of a copy of
 * infra/ must be reported, and only it (the real infra/ is clean, see structure.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInfra, checkStructure, formatFinding, loadInfra } from '../../tools/bicep/check.js';
import { brokenCopies, type BrokenCopies, type Edit } from './broken-copy.js';

let copies: BrokenCopies;

beforeAll(async () => {
  copies = await brokenCopies();
});

afterAll(async () => {
  await copies.cleanup();
});

async function findings(...edits: Edit[]): Promise<string[]> {
  return checkStructure(await loadInfra(await copies.make(...edits))).map(formatFinding);
}

describe('diagnostic settings to Log Analytics', () => {
  it('reports Key Vault without its audit events', async () => {
    expect(
      await findings({
        file: 'modules/keyvault.bicep',
        from: "category: 'AuditEvent'",
        to: "category: 'AzurePolicyEvaluationDetails'",
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/modules\/keyvault\.bicep:\d+:\d+: \[structure\] Microsoft\.KeyVault\/vaults vault: log category AuditEvent must be sent to Log Analytics \(enabled: true\)$/,
      ),
    ]);
  });

  it('reports a storage service without a diagnostic setting', async () => {
    expect(
      await findings({
        file: 'modules/storage.bicep',
        from: '  scope: queueService\n',
        to: '  scope: tableService\n',
      }),
    ).toEqual([
      expect.stringContaining(
        'Microsoft.Storage/storageAccounts/queueServices queueService: no diagnostic setting sends its logs to Log Analytics',
      ),
    ]);
  });

  it('reports storage deletes switched off (only reads may be switched by a parameter)', async () => {
    expect(
      await findings({
        file: 'modules/storage.bicep',
        from: "    category: 'StorageDelete'\n    enabled: true\n",
        to: "    category: 'StorageDelete'\n    enabled: logStorageReads\n",
      }),
    ).toEqual([
      expect.stringContaining('blobServices blobService: log category StorageDelete must be sent'),
      expect.stringContaining('queueServices queueService: log category StorageDelete must be sent'),
      expect.stringContaining('tableServices tableService: log category StorageDelete must be sent'),
    ]);
  });

  it('reports the function app without FunctionAppLogs and a setting without a workspace', async () => {
    expect(
      await findings(
        {
          file: 'modules/functionapp.bicep',
          from: "category: 'FunctionAppLogs'",
          to: "category: 'AppServiceHTTPLogs'",
        },
        { file: 'modules/keyvault.bicep', from: '    workspaceId: workspaceId\n    logs', to: '    logs' },
      ),
    ).toEqual([
      expect.stringContaining(
        'Microsoft.KeyVault/vaults vault: its diagnostic setting has no properties.workspaceId',
      ),
      expect.stringContaining('Microsoft.KeyVault/vaults vault: log category AuditEvent must be sent'),
      expect.stringContaining('Microsoft.Web/sites site: log category FunctionAppLogs must be sent'),
    ]);
  });
});

describe('protection of the delivered output', () => {
  it('reports versioning off by default, followed from main.bicep through the module call', async () => {
    expect(
      await findings({
        file: 'main.bicep',
        from: 'param blobVersioning bool = true',
        to: 'param blobVersioning bool = false',
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/modules\/storage\.bicep:\d+:\d+: \[structure\] Microsoft\.Storage\/storageAccounts\/blobServices blobService: blob versioning must be on by default/,
      ),
    ]);
  });

  it('reports blob soft delete off by default', async () => {
    expect(
      await findings({
        file: 'main.bicep',
        from: 'param blobSoftDeleteDays int = 7',
        to: 'param blobSoftDeleteDays int = 0',
      }),
    ).toEqual([expect.stringContaining('blob soft delete must be on by default')]);
  });

  it('reports a WORM policy that is on by default, and one that is missing', async () => {
    expect(
      await findings({
        file: 'main.bicep',
        from: 'param outputImmutabilityDays int = 0',
        to: 'param outputImmutabilityDays int = 30',
      }),
    ).toEqual([
      expect.stringContaining(
        'immutability policy outputImmutability: must be optional (`if (…)`) and off by default',
      ),
    ]);
    expect(
      await findings({
        file: 'modules/storage.bicep',
        from: '  parent: outputContainer\n',
        to: '  parent: deploymentContainer\n',
      }),
    ).toEqual([
      expect.stringContaining(
        'container outputContainer: no optional time-based retention (immutabilityPolicies)',
      ),
    ]);
  });
});

describe('publishing and network', () => {
  it('reports basic publishing credentials (SCM) allowed', async () => {
    expect(
      await findings({
        file: 'modules/functionapp.bicep',
        from: "  name: 'scm'\n  properties: {\n    allow: false",
        to: "  name: 'scm'\n  properties: {\n    allow: true",
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/modules\/functionapp\.bicep:\d+:\d+: \[structure\] Microsoft\.Web\/sites site: basic publishing credentials \(scm\) must be disabled/,
      ),
    ]);
  });

  it('reports the FTP policy removed', async () => {
    expect(
      await findings({ file: 'modules/functionapp.bicep', from: "  name: 'ftp'\n", to: "  name: 'ftps'\n" }),
    ).toEqual([expect.stringContaining('basic publishing credentials (ftp) must be disabled')]);
  });

  it("reports O365_VERIFY_TLS that could be deployed as 'false'", async () => {
    expect(
      await findings({
        file: 'main.bicep',
        from: "@allowed(['true'])\nparam o365VerifyTls",
        to: "@allowed(['true', 'false'])\nparam o365VerifyTls",
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/main\.bicep:\d+:\d+: \[structure\] O365_VERIFY_TLS can only be deployed as 'true' \(TLS verification off is for local tests against a simulator\)/,
      ),
    ]);
    expect(
      await findings({
        file: 'main.bicep',
        from: 'O365_VERIFY_TLS: o365VerifyTls',
        to: "O365_VERIFY_TLS: 'false'",
      }),
    ).toEqual([expect.stringContaining("O365_VERIFY_TLS can only be deployed as 'true'")]);
  });

  it('reports private networking on by default, and a vault without the switch', async () => {
    expect(
      await findings({
        file: 'main.bicep',
        from: 'param privateNetworking bool = false',
        to: 'param privateNetworking bool = true',
      }),
    ).toEqual([
      expect.stringContaining(
        'Microsoft.Storage/storageAccounts storage: properties.publicNetworkAccess must be',
      ),
      expect.stringContaining('Microsoft.KeyVault/vaults vault: properties.publicNetworkAccess must be'),
    ]);
    expect(
      await findings({
        file: 'modules/keyvault.bicep',
        from: "publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'",
        to: "publicNetworkAccess: 'Enabled'",
      }),
    ).toEqual([
      expect.stringContaining('Microsoft.KeyVault/vaults vault: properties.publicNetworkAccess must be'),
    ]);
  });

  it('reports a missing private endpoint, subnet delegation or VNet integration', async () => {
    expect(
      await findings(
        { file: 'modules/network.bicep', from: "    name: 'table'\n", to: "    name: 'file'\n" },
        {
          file: 'modules/network.bicep',
          from: "serviceName: 'Microsoft.App/environments'",
          to: "serviceName: 'Microsoft.Web/serverFarms'",
        },
        { file: 'modules/functionapp.bicep', from: /\n {4}virtualNetworkSubnetId: [^\n]*/, to: '' },
      ),
    ).toEqual([
      expect.stringContaining(
        'Microsoft.Web/sites site: properties.virtualNetworkSubnetId (VNet integration for private networking) is missing',
      ),
      expect.stringContaining('no subnet delegated to Microsoft.App/environments'),
      expect.stringContaining('private networking: no private endpoint for table'),
    ]);
  });
});

describe('main.parameters.json (azd)', () => {
  it('reports a hard-coded value that every `azd up` would deploy', async () => {
    const dir = await copies.make({
      file: 'main.parameters.json',
      from: '"authMode": { "value": "${O365_AUTH_MODE=secret}" }',
      to: '"authMode": { "value": "secret" }',
    });
    expect((await checkInfra(dir)).map(formatFinding)).toEqual([
      expect.stringMatching(
        /^infra\/main\.parameters\.json:\d+:1: \[structure\] parameter authMode is hard-coded \("secret"\); take it from an azd environment value/,
      ),
    ]);
  });
});
