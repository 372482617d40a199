/**
 * Check 6: the security- and platform-relevant shape of the resources, read from the syntax tree:
 * the Flex Consumption plan and app, the storage account's hardening, the Key Vault's protection,
 * Log Analytics and App Insights without local auth, exactly the five role assignments the app needs, and module
 * calls that match the modules' parameters.
 */
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import {
  at,
  bodyObject,
  declarations,
  decoratorName,
  descendants,
  named,
  properties,
  property,
  stringLiteral,
  unwrap,
  type BicepFile,
  type Finding,
} from './ast.js';

interface Resource {
  file: BicepFile;
  decl: Node;
  symbol: string;
  /** Type without the API version, e.g. `Microsoft.Web/sites`. */
  type: string;
  existing: boolean;
  body: Node;
}

function resources(files: readonly BicepFile[]): Resource[] {
  const out: Resource[] = [];
  for (const file of files) {
    for (const decl of descendants(file.tree.rootNode, 'resource_declaration')) {
      const type = stringLiteral(named(decl)[1])?.split('@')[0];
      const body = bodyObject(decl);
      if (!type || !body) continue;
      const existing = decl.children.some((c) => c?.type === 'existing');
      out.push({ file, decl, symbol: named(decl)[0]?.text ?? '', type, existing, body });
    }
  }
  return out;
}

/** Value at a dotted path of object literals; keys compared case-insensitively (as ARM does). */
function valueAt(obj: Node, dotted: string): Node | undefined {
  let cur: Node | undefined = obj;
  for (const key of dotted.split('.')) {
    if (!cur || cur.type !== 'object') return undefined;
    cur = properties(cur).find((p) => p.key?.toLowerCase() === key.toLowerCase())?.value;
  }
  return cur ? unwrap(cur) : undefined;
}

/** Expected value: a string literal, a boolean, or the markers PARAMETER / PRESENT. */
type Expectation = [path: string, expected: string | boolean];
const PARAMETER = '<a parameter>';
const PRESENT = '<present>';

function expect(r: Resource, expectations: readonly Expectation[], out: Finding[]): void {
  for (const [p, expected] of expectations) {
    const v = valueAt(r.body, p);
    const where = v ?? r.decl;
    const label = `${r.type} ${r.symbol}: ${p}`;
    if (!v) {
      out.push(at('structure', r.file, where, `${label} is missing`));
    } else if (expected === PRESENT) {
      continue;
    } else if (expected === PARAMETER) {
      const d = v.type === 'identifier' ? declarations(r.file).get(v.text) : undefined;
      if (d?.kind !== 'param')
        out.push(at('structure', r.file, v, `${label} must be a parameter, found \`${v.text}\``));
    } else if (typeof expected === 'boolean') {
      if (v.type !== 'boolean' || v.text !== String(expected)) {
        out.push(at('structure', r.file, v, `${label} must be ${String(expected)}, found \`${v.text}\``));
      }
    } else if (stringLiteral(v) !== expected) {
      out.push(at('structure', r.file, v, `${label} must be '${expected}', found \`${v.text}\``));
    }
  }
}

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

/** A `@minValue(n)` decorator of a parameter, when present. */
function minValueOf(file: BicepFile, param: string): number | undefined {
  const d = declarations(file).get(param);
  if (d?.kind !== 'param') return undefined;
  for (const dec of d.decorators) {
    if (decoratorName(dec) !== 'minValue') continue;
    const n = Number(/\((\d+)\)/.exec(dec.text)?.[1]);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function single(
  files: readonly BicepFile[],
  all: Resource[],
  type: string,
  out: Finding[],
): Resource | undefined {
  const found = all.filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
  if (found.length !== 1) {
    const file = found[1]?.file ?? files[0];
    if (file)
      out.push(
        at('structure', file, found[1]?.decl ?? null, `expected exactly one ${type}, found ${found.length}`),
      );
    return undefined;
  }
  return found[0];
}

/** Role definition ids the app's identity needs, by the resource type they are scoped to. */
export const REQUIRED_ROLES: readonly { role: string; id: string; scopeType: string }[] = [
  {
    role: 'Storage Blob Data Owner',
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    scopeType: 'Microsoft.Storage/storageAccounts',
  },
  {
    role: 'Storage Queue Data Contributor',
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    scopeType: 'Microsoft.Storage/storageAccounts',
  },
  {
    role: 'Storage Table Data Contributor',
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    scopeType: 'Microsoft.Storage/storageAccounts',
  },
  {
    role: 'Key Vault Secrets User',
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    scopeType: 'Microsoft.KeyVault/vaults',
  },
  {
    role: 'Monitoring Metrics Publisher',
    id: '3913510d-42f4-4e42-8a64-420c390055eb',
    scopeType: 'Microsoft.Insights/components',
  },
];

/** A string literal, or `var.member` of an object-literal variable, to its string value. */
function resolveString(file: BicepFile, expr: Node): string | undefined {
  const node = unwrap(expr);
  const literal = stringLiteral(node);
  if (literal !== undefined) return literal;
  if (node.type === 'member_expression') {
    const obj = node.childForFieldName('object');
    const prop = node.childForFieldName('property')?.text;
    const d = obj?.type === 'identifier' ? declarations(file).get(obj.text) : undefined;
    const value = d?.kind === 'var' && d.value ? unwrap(d.value) : undefined;
    if (value?.type === 'object' && prop) {
      const v = property(value, prop);
      return v ? stringLiteral(unwrap(v)) : undefined;
    }
  }
  return undefined;
}

function callArgs(node: Node | undefined, fn: string): Node[] | undefined {
  if (!node || node.type !== 'call_expression' || node.childForFieldName('function')?.text !== fn)
    return undefined;
  const args = node.childForFieldName('arguments');
  return args ? named(args) : [];
}

function checkRoleAssignments(all: Resource[], out: Finding[]): void {
  const seen: string[] = [];
  for (const r of all.filter((x) => x.type === 'Microsoft.Authorization/roleAssignments' && !x.existing)) {
    const label = `role assignment ${r.symbol}`;
    const guidArgs = callArgs(valueAt(r.body, 'name'), 'guid');
    if (!guidArgs || guidArgs.length !== 3) {
      out.push(
        at(
          'structure',
          r.file,
          valueAt(r.body, 'name') ?? r.decl,
          `${label}: name must be guid(scope id, principalId, roleDefinitionId)`,
        ),
      );
    }
    expect(
      r,
      [
        ['properties.principalType', 'ServicePrincipal'],
        ['properties.principalId', PRESENT],
      ],
      out,
    );
    const defArgs = callArgs(valueAt(r.body, 'properties.roleDefinitionId'), 'subscriptionResourceId');
    const roleId = defArgs?.[1] ? resolveString(r.file, defArgs[1]) : undefined;
    const required = REQUIRED_ROLES.find((x) => x.id === roleId);
    if (!required) {
      out.push(
        at(
          'structure',
          r.file,
          valueAt(r.body, 'properties.roleDefinitionId') ?? r.decl,
          `${label}: role ${roleId ?? '(unresolved)'} is not one the app needs`,
        ),
      );
      continue;
    }
    seen.push(required.id);
    // The third guid() argument must be the same role, so two roles never collide on one name.
    if (guidArgs?.[2] && resolveString(r.file, guidArgs[2]) !== required.id) {
      out.push(
        at(
          'structure',
          r.file,
          guidArgs[2],
          `${label}: guid() must include the role definition id ${required.id}`,
        ),
      );
    }
    const scope = valueAt(r.body, 'scope');
    const scopeRes =
      scope?.type === 'identifier'
        ? all.find((x) => x.file === r.file && x.symbol === scope.text)
        : undefined;
    if (scopeRes?.type !== required.scopeType) {
      out.push(
        at(
          'structure',
          r.file,
          scope ?? r.decl,
          `${label}: ${required.role} must be scoped to the ${required.scopeType}`,
        ),
      );
    }
  }
  for (const role of REQUIRED_ROLES) {
    const n = seen.filter((id) => id === role.id).length;
    if (n !== 1)
      out.push({
        check: 'structure',
        file: '(infra)',
        row: 0,
        column: 0,
        message: `${role.role} must be assigned exactly once, found ${n}`,
      });
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
  return out;
}
