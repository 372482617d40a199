/**
 * Check 6: the security- and platform-relevant shape of the resources, read from the syntax tree:
 * the Flex Consumption plan and app, the storage account's hardening, the Key Vault's protection,
 * Log Analytics and App Insights without local auth, the role assignments the app needs on their narrowest
 * scopes (roles.ts), the security hardening (hardening.ts), and module calls that match the modules'
 * parameters.
 */
import path from 'node:path';
import {
  at,
  bodyObject,
  declarations,
  descendants,
  named,
  properties,
  stringLiteral,
  type BicepFile,
  type Finding,
} from './ast.js';
import { checkHardening } from './hardening.js';
import {
  expect,
  minValueOf,
  PARAMETER,
  PRESENT,
  resources,
  single,
  valueAt,
  type Resource,
} from './resources.js';
import { checkRoleAssignments } from './roles.js';

export { REQUIRED_ROLES } from './roles.js';

/**
 * `siteConfig` properties a Flex Consumption site accepts from this template. The platform lists the
 * legacy ones (ftpsState, alwaysOn, use32BitWorkerProcess, linuxFxVersion, ...) as unsupported and, in
 * some regions, rejects the whole site PUT with error 51021; the quickstart sets only minTlsVersion.
 */
const FLEX_SITE_CONFIG = new Set(['mintlsversion']);

/** Flex Consumption's lowest `maximumInstanceCount` (Microsoft Learn, "Flex Consumption plan"). */
const FLEX_MIN_MAXIMUM_INSTANCES = 40;

function checkFlexSiteConfig(site: Resource, out: Finding[]): void {
  const siteConfig = valueAt(site.body, 'properties.siteConfig');
  if (!siteConfig || siteConfig.type !== 'object') return;
  for (const p of properties(siteConfig)) {
    if (p.key && !FLEX_SITE_CONFIG.has(p.key.toLowerCase()))
      out.push(
        at(
          'structure',
          site.file,
          p.keyNode,
          `${site.type} ${site.symbol}: properties.siteConfig.${p.key} is not supported on Flex Consumption`,
        ),
      );
  }
}

/**
 * Module calls pass only parameters the module declares and every parameter it requires: what the
 * Bicep compiler would catch (BCP035/BCP037), which tree-sitter alone does not.
 */
function checkModuleWiring(files: readonly BicepFile[], out: Finding[]): void {
  for (const f of files) {
    for (const m of descendants(f.tree.rootNode, 'module_declaration')) {
      const target = stringLiteral(named(m)[1]);
      const symbol = named(m)[0]?.text ?? '';
      const targetFile = target
        ? files.find((x) => x.path === path.resolve(path.dirname(f.path), target))
        : undefined;
      if (!targetFile) {
        out.push(
          at(
            'structure',
            f,
            m,
            `module ${symbol}: ${target ?? '(dynamic path)'} is not a .bicep file under infra/`,
          ),
        );
        continue;
      }
      const body = bodyObject(m);
      const paramsNode = body ? valueAt(body, 'params') : undefined;
      const given = paramsNode?.type === 'object' ? properties(paramsNode) : [];
      const declared = [...declarations(targetFile).values()].filter((d) => d.kind === 'param');
      for (const p of given) {
        if (!declared.some((d) => d.name === p.key)) {
          out.push(
            at(
              'structure',
              f,
              p.keyNode,
              `module ${symbol}: ${targetFile.display} has no parameter ${p.key ?? p.keyNode.text}`,
            ),
          );
        }
      }
      for (const d of declared) {
        if (!d.value && !given.some((p) => p.key === d.name)) {
          out.push(
            at(
              'structure',
              f,
              m,
              `module ${symbol}: required parameter ${d.name} of ${targetFile.display} is not passed`,
            ),
          );
        }
      }
    }
  }
}

export function checkStructure(files: readonly BicepFile[]): Finding[] {
  const out: Finding[] = [];
  checkModuleWiring(files, out);
  const all = resources(files);
  const plan = single(files, all, 'Microsoft.Web/serverfarms', out);
  if (plan)
    expect(
      plan,
      [
        ['sku.name', 'FC1'],
        ['sku.tier', 'FlexConsumption'],
        ['properties.reserved', true],
      ],
      out,
    );
  const site = single(files, all, 'Microsoft.Web/sites', out);
  if (site) {
    expect(
      site,
      [
        ['kind', 'functionapp,linux'],
        ['identity.type', 'UserAssigned'],
        ['properties.httpsOnly', true],
        ['properties.keyVaultReferenceIdentity', PRESENT],
        ['properties.functionAppConfig.runtime.name', 'node'],
        ['properties.functionAppConfig.runtime.version', '22'],
        ['properties.functionAppConfig.deployment.storage.authentication.type', 'UserAssignedIdentity'],
        ['properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB', PARAMETER],
        ['properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount', PARAMETER],
      ],
      out,
    );
    checkFlexSiteConfig(site, out);
    const max = valueAt(site.body, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount');
    if (max?.type === 'identifier' && (minValueOf(site.file, max.text) ?? 0) < FLEX_MIN_MAXIMUM_INSTANCES)
      out.push(
        at(
          'structure',
          site.file,
          max,
          `parameter ${max.text} needs @minValue(${FLEX_MIN_MAXIMUM_INSTANCES}): Flex Consumption's lowest maximum scale`,
        ),
      );
  }
  const storage = single(files, all, 'Microsoft.Storage/storageAccounts', out);
  if (storage) {
    expect(
      storage,
      [
        ['properties.allowSharedKeyAccess', false],
        ['properties.supportsHttpsTrafficOnly', true],
        ['properties.minimumTlsVersion', 'TLS1_2'],
        ['properties.allowBlobPublicAccess', false],
      ],
      out,
    );
  }
  const vault = single(files, all, 'Microsoft.KeyVault/vaults', out);
  if (vault) {
    expect(
      vault,
      [
        ['properties.enableRbacAuthorization', true],
        ['properties.enableSoftDelete', true],
        ['properties.enablePurgeProtection', true],
      ],
      out,
    );
  }
  const workspace = single(files, all, 'Microsoft.OperationalInsights/workspaces', out);
  if (workspace) expect(workspace, [['properties.features.disableLocalAuth', true]], out);
  const ai = single(files, all, 'Microsoft.Insights/components', out);
  if (ai) expect(ai, [['properties.DisableLocalAuth', true]], out);
  single(files, all, 'Microsoft.ManagedIdentity/userAssignedIdentities', out);
  checkRoleAssignments(all, out);
  checkHardening(files, all, out);
  return out;
}
