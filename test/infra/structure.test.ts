/**
 * Check 6 (tools/bicep/structure.ts) on the real infra/ and on broken copies, plus the azd project
 * file that points at it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStructure, formatFinding, loadInfra, REQUIRED_ROLES } from '../../tools/bicep/check.js';
import { brokenCopies, INFRA, type BrokenCopies, type Edit } from './broken-copy.js';

let copies: BrokenCopies;

beforeAll(async () => {
  copies = await brokenCopies();
});

afterAll(async () => {
  await copies.cleanup();
});

async function structureOf(...edits: Edit[]): Promise<string[]> {
  const dir = edits.length === 0 ? INFRA : await copies.make(...edits);
  return checkStructure(await loadInfra(dir)).map(formatFinding);
}

describe('check 6: resource structure', () => {
  it('is clean on the real infra', async () => {
    expect(await structureOf()).toEqual([]);
  });

  it('reports shared-key access turned back on', async () => {
    expect(
      await structureOf({
        file: 'modules/storage.bicep',
        from: 'allowSharedKeyAccess: false',
        to: 'allowSharedKeyAccess: true',
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/modules\/storage\.bicep:\d+:\d+: \[structure\] Microsoft\.Storage\/storageAccounts storage: properties\.allowSharedKeyAccess must be false, found `true`$/,
      ),
    ]);
  });

  it('reports a removed TLS floor', async () => {
    expect(
      await structureOf({ file: 'modules/storage.bicep', from: "    minimumTlsVersion: 'TLS1_2'\n", to: '' }),
    ).toEqual([expect.stringContaining('properties.minimumTlsVersion is missing')]);
  });

  it('reports a runtime other than node 22', async () => {
    expect(
      await structureOf({ file: 'modules/functionapp.bicep', from: "version: '22'", to: "version: '20'" }),
    ).toEqual([
      expect.stringContaining("properties.functionAppConfig.runtime.version must be '22', found `'20'`"),
    ]);
  });

  it('reports a hard-coded instance count instead of a parameter', async () => {
    expect(
      await structureOf({
        file: 'modules/functionapp.bicep',
        from: 'maximumInstanceCount: maximumInstanceCount',
        to: 'maximumInstanceCount: 100',
      }),
    ).toEqual([
      expect.stringContaining('scaleAndConcurrency.maximumInstanceCount must be a parameter, found `100`'),
    ]);
  });

  it('reports a siteConfig property Flex Consumption rejects (ftpsState, error 51021)', async () => {
    expect(
      await structureOf({
        file: 'modules/functionapp.bicep',
        from: "      minTlsVersion: '1.2'\n",
        to: "      minTlsVersion: '1.2'\n      ftpsState: 'Disabled'\n",
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/modules\/functionapp\.bicep:\d+:\d+: \[structure\] Microsoft\.Web\/sites site: properties\.siteConfig\.ftpsState is not supported on Flex Consumption$/,
      ),
    ]);
  });

  it('reports a maximum instance count that may go below the Flex Consumption floor of 40', async () => {
    expect(
      await structureOf({ file: 'modules/functionapp.bicep', from: '@minValue(40)', to: '@minValue(1)' }),
    ).toEqual([expect.stringContaining('parameter maximumInstanceCount needs @minValue(40)')]);
  });

  it('reports a non-Flex plan', async () => {
    expect(
      await structureOf({ file: 'modules/functionapp.bicep', from: "name: 'FC1'", to: "name: 'Y1'" }),
    ).toEqual([expect.stringContaining("sku.name must be 'FC1'")]);
  });

  it('reports Key Vault without purge protection and App Insights with local auth', async () => {
    expect(
      await structureOf(
        {
          file: 'modules/keyvault.bicep',
          from: 'enablePurgeProtection: true',
          to: 'enablePurgeProtection: false',
        },
        { file: 'modules/monitoring.bicep', from: 'DisableLocalAuth: true', to: 'DisableLocalAuth: false' },
      ),
    ).toEqual([
      expect.stringContaining('properties.enablePurgeProtection must be true'),
      expect.stringContaining('properties.DisableLocalAuth must be true'),
    ]);
  });

  it('reports a Log Analytics workspace with local auth back on', async () => {
    expect(
      await structureOf({
        file: 'modules/monitoring.bicep',
        from: 'disableLocalAuth: true',
        to: 'disableLocalAuth: false',
      }),
    ).toEqual([
      expect.stringMatching(
        /^infra\/modules\/monitoring\.bicep:\d+:\d+: \[structure\] Microsoft\.OperationalInsights\/workspaces workspace: properties\.features\.disableLocalAuth must be true, found `false`$/,
      ),
    ]);
  });

  it('reports a Log Analytics workspace without the features block', async () => {
    expect(
      await structureOf({
        file: 'modules/monitoring.bicep',
        from: '    features: {\n      disableLocalAuth: true\n    }\n',
        to: '',
      }),
    ).toEqual([expect.stringContaining('workspace: properties.features.disableLocalAuth is missing')]);
  });

  it('reports a role assignment with the wrong principal type', async () => {
    const found = await structureOf({
      file: 'modules/rbac.bicep',
      from: "principalType: 'ServicePrincipal'",
      to: "principalType: 'User'",
    });
    expect(found).toEqual([
      expect.stringContaining(
        "roleAssignments hostsOwner: properties.principalType must be 'ServicePrincipal', found `'User'`",
      ),
    ]);
  });

  it('reports a role assignment named without guid(scope, principal, role)', async () => {
    const found = await structureOf({
      file: 'modules/rbac.bicep',
      from: 'name: guid(contentQueue.id, principalId, roles.storageQueueDataContributor)',
      to: 'name: guid(contentQueue.id, principalId)',
    });
    expect(found).toEqual([
      expect.stringContaining(
        'role assignment contentQueueContributor: name must be guid(scope id, principalId, roleDefinitionId)',
      ),
    ]);
  });

  it('reports a guid() name that does not start with the scope id (two scopes would share a name)', async () => {
    const found = await structureOf({
      file: 'modules/rbac.bicep',
      from: 'name: guid(poisonQueue.id, principalId, roles.storageQueueDataContributor)',
      to: 'name: guid(storage.id, principalId, roles.storageQueueDataContributor)',
    });
    expect(found).toEqual([
      expect.stringContaining(
        'role assignment poisonQueueContributor: guid() must start with poisonQueue.id',
      ),
    ]);
  });

  it('reports a missing role and a role the app does not need', async () => {
    const found = await structureOf({
      file: 'modules/rbac.bicep',
      from: "storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'",
      to: "storageTableDataContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab'", // Storage Account Contributor
    });
    expect(found).toEqual([
      expect.stringContaining(
        'role assignment tableContributor: role 17d1049b-9a84-46fb-8f53-869881c3d3ab is not one the app needs',
      ),
      expect.stringContaining('Storage Table Data Contributor must be assigned exactly once'),
    ]);
  });

  it('reports a role scoped to the wrong resource', async () => {
    const found = await structureOf({
      file: 'modules/rbac.bicep',
      from: 'scope: vault\n',
      to: 'scope: storage\n',
    });
    expect(found).toEqual([
      expect.stringContaining('secretsUser: guid() must start with storage.id'),
      expect.stringContaining('Key Vault Secrets User must be scoped to a Microsoft.KeyVault/vaults'),
      expect.stringContaining(
        'Key Vault Secrets User must be assigned exactly once (Key Vault references), found 0',
      ),
    ]);
  });

  describe('least privilege on storage', () => {
    it('reports Storage Blob Data Owner on the whole account again (the finding of the review)', async () => {
      const found = await structureOf({
        file: 'modules/rbac.bicep',
        from: 'name: guid(hostsContainer.id, principalId, roles.storageBlobDataOwner)\n  scope: hostsContainer\n',
        to: 'name: guid(storage.id, principalId, roles.storageBlobDataOwner)\n  scope: storage\n',
      });
      expect(found).toEqual([
        expect.stringMatching(
          /^infra\/modules\/rbac\.bicep:\d+:\d+: \[structure\] role assignment hostsOwner: Storage Blob Data Owner must be scoped to a Microsoft\.Storage\/storageAccounts\/blobServices\/containers \(the Functions host's containers only/,
        ),
        expect.stringContaining('Storage Blob Data Owner must be assigned exactly 2 times'),
      ]);
    });

    it('reports Storage Blob Data Owner on the output container (it could erase delivered versions)', async () => {
      const found = await structureOf({
        file: 'modules/rbac.bicep',
        from: 'name: guid(secretsContainer.id, principalId, roles.storageBlobDataOwner)\n  scope: secretsContainer\n',
        to: 'name: guid(outputContainer.id, principalId, roles.storageBlobDataOwner)\n  scope: outputContainer\n',
      });
      expect(found).toEqual([
        expect.stringContaining(
          'role assignment secretsOwner: Storage Blob Data Owner may only be scoped to azure-webjobs-hosts, azure-webjobs-secrets, found outputContainerName',
        ),
      ]);
    });

    it('reports the output and the deployment package sharing one assignment scope', async () => {
      const found = await structureOf({
        file: 'modules/rbac.bicep',
        from: 'name: guid(deploymentContainer.id, principalId, roles.storageBlobDataContributor)\n  scope: deploymentContainer\n',
        to: 'name: guid(outputContainer.id, principalId, roles.storageBlobDataContributor)\n  scope: outputContainer\n',
      });
      expect(found).toEqual([
        expect.stringContaining(
          'role assignment packageWriter: Storage Blob Data Contributor is assigned twice on outputContainer',
        ),
      ]);
    });

    it('reports a queue the templates create without a role of its own (e.g. a new fan-out queue)', async () => {
      const found = await structureOf({
        file: 'modules/storage.bicep',
        from: '// Created up front (the host would create it',
        to: "resource fanOutQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {\n  parent: queueService\n  name: '${queueName}-tenants'\n}\n\n// Created up front (the host would create it",
      });
      expect(found).toEqual([
        expect.stringContaining('Storage Queue Data Contributor must be assigned exactly 3 times'),
      ]);
    });

    it('reports a container the templates create without a role of its own', async () => {
      const found = await structureOf({
        file: 'modules/storage.bicep',
        from: "resource hostsContainer 'Microsoft",
        to: "resource exportContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {\n  parent: blobService\n  name: 'o365-export'\n}\n\nresource hostsContainer 'Microsoft",
      });
      expect(found).toEqual([
        expect.stringContaining('Storage Blob Data Contributor must be assigned exactly 3 times'),
      ]);
    });

    it('reports a queue role widened to the account', async () => {
      const found = await structureOf({
        file: 'modules/rbac.bicep',
        from: 'name: guid(contentQueue.id, principalId, roles.storageQueueDataContributor)\n  scope: contentQueue\n',
        to: 'name: guid(storage.id, principalId, roles.storageQueueDataContributor)\n  scope: storage\n',
      });
      expect(found).toEqual([
        expect.stringContaining(
          'contentQueueContributor: Storage Queue Data Contributor must be scoped to a Microsoft.Storage/storageAccounts/queueServices/queues',
        ),
        expect.stringContaining(
          'Storage Queue Data Contributor must be assigned exactly 2 times (every queue',
        ),
      ]);
    });
  });

  it('reports a module parameter that does not exist and a required one not passed', async () => {
    const found = await structureOf({
      file: 'main.bicep',
      from: '    instanceMemoryMB: instanceMemoryMB\n',
      to: '    instanceMemoryMb: instanceMemoryMB\n',
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^infra\/main\.bicep:\d+:5: \[structure\] module functionApp: infra\/modules\/functionapp\.bicep has no parameter instanceMemoryMb$/,
      ),
      expect.stringContaining(
        'module functionApp: required parameter instanceMemoryMB of infra/modules/functionapp.bicep is not passed',
      ),
    ]);
  });

  it('knows the roles of the design and their scopes', () => {
    expect(REQUIRED_ROLES.map((r) => [r.role, r.scopeType.split('/').pop(), r.count])).toEqual([
      ['Storage Blob Data Owner', 'containers', 2],
      ['Storage Blob Data Contributor', 'containers', 'perCreated'],
      ['Storage Queue Data Contributor', 'queues', 'perCreated'],
      ['Storage Table Data Contributor', 'storageAccounts', 1],
      ['Key Vault Secrets User', 'vaults', 1],
      ['Monitoring Metrics Publisher', 'components', 1],
    ]);
  });
});

describe('azure.yaml', () => {
  it('deploys service api as a TypeScript function app from the project root with infra/', async () => {
    const yaml = await readFile(path.resolve(INFRA, '../azure.yaml'), 'utf8');
    const lines = yaml.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    expect(lines).toEqual(
      expect.arrayContaining([
        'infra:',
        '  provider: bicep',
        '  path: infra',
        '  module: main',
        'services:',
        '  api:',
        '    project: .',
        '    language: ts',
        '    host: function',
        '    dist: dist/package',
      ]),
    );
    // azd finds the app by its azd-service-name tag, which main.bicep must set.
    expect(await readFile(path.join(INFRA, 'main.bicep'), 'utf8')).toContain("'azd-service-name': 'api'");
  });
});

describe('infra/main.parameters.json (read by azd only)', () => {
  it('takes every value from an azd environment value, so `azd up` never reverts a setting to a value written here', async () => {
    const json = JSON.parse(await readFile(path.join(INFRA, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: unknown }>;
    };
    const values = Object.entries(json.parameters).map(([k, v]) => [k, v.value]);
    for (const [name, value] of values)
      expect(value, name as string).toMatch(/^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$/);
    expect(Object.fromEntries(values)).toMatchObject({
      authMode: '${O365_AUTH_MODE=secret}',
      alertEmail: '${ALERT_EMAIL=}',
      o365TenantId: '${O365_TENANT_ID}',
      o365ClientId: '${O365_CLIENT_ID}',
    });
  });
});
