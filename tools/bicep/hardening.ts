/**
 * Security hardening of the templates (part of check 6): resource logs to Log Analytics, protection
 * of the delivered output, no basic publishing credentials, TLS verification that cannot be
 * switched off, and the private-networking option. See docs/deploy.md for why each exists.
 */
import type { Node } from 'web-tree-sitter';
import {
  at,
  declarations,
  decoratorName,
  descendants,
  named,
  stringLiteral,
  unwrap,
  type BicepFile,
  type Finding,
} from './ast.js';
import { findAppSettings, isFinding } from './app-settings.js';
import { effectiveDefault, ofType, referenced, throughVar, valueAt, type Resource } from './resources.js';

const DIAGNOSTICS = 'Microsoft.Insights/diagnosticSettings';

/** Log categories each resource type must send to Log Analytics (Azure Monitor resource log categories). */
export const REQUIRED_LOGS: readonly { type: string; categories: readonly string[] }[] = [
  { type: 'Microsoft.KeyVault/vaults', categories: ['AuditEvent'] },
  {
    type: 'Microsoft.Storage/storageAccounts/blobServices',
    categories: ['StorageRead', 'StorageWrite', 'StorageDelete'],
  },
  {
    type: 'Microsoft.Storage/storageAccounts/queueServices',
    categories: ['StorageRead', 'StorageWrite', 'StorageDelete'],
  },
  {
    type: 'Microsoft.Storage/storageAccounts/tableServices',
    categories: ['StorageRead', 'StorageWrite', 'StorageDelete'],
  },
  { type: 'Microsoft.Web/sites', categories: ['FunctionAppLogs'] },
];

/** Categories that may be switched by a parameter (the read logs, for their volume); the others must be `enabled: true`. */
const SWITCHABLE_CATEGORIES = new Set(['StorageRead']);

function logEntries(setting: Resource): Node[] {
  const logs = valueAt(setting.body, 'properties.logs');
  if (!logs) return [];
  const arr = throughVar(setting.file, logs);
  return arr.type === 'array' ? named(arr).filter((n) => n.type === 'object') : [];
}

function checkDiagnostics(all: readonly Resource[], out: Finding[]): void {
  const settings = ofType(all, DIAGNOSTICS);
  for (const req of REQUIRED_LOGS) {
    for (const target of ofType(all, req.type)) {
      const label = `${target.type} ${target.symbol}`;
      const mine = settings.filter((s) => referenced(all, s, 'scope') === target);
      if (mine.length === 0) {
        out.push(
          at(
            'structure',
            target.file,
            target.decl,
            `${label}: no diagnostic setting sends its logs to Log Analytics`,
          ),
        );
        continue;
      }
      const withWorkspace = mine.filter((s) => valueAt(s.body, 'properties.workspaceId'));
      if (withWorkspace.length === 0)
        out.push(
          at(
            'structure',
            mine[0]!.file,
            mine[0]!.decl,
            `${label}: its diagnostic setting has no properties.workspaceId`,
          ),
        );
      for (const category of req.categories) {
        const entry = withWorkspace
          .flatMap(logEntries)
          .find((e) => stringLiteral(valueAt(e, 'category')) === category);
        const enabled = entry ? valueAt(entry, 'enabled') : undefined;
        const on =
          enabled?.text === 'true' ||
          (SWITCHABLE_CATEGORIES.has(category) &&
            enabled?.type === 'identifier' &&
            declarations(mine[0]!.file).get(enabled.text)?.kind === 'param');
        if (!on)
          out.push(
            at(
              'structure',
              (mine[0] ?? target).file,
              enabled ?? entry ?? mine[0]!.decl,
              `${label}: log category ${category} must be sent to Log Analytics (enabled: true)`,
            ),
          );
      }
    }
  }
}

/** A parameter's value when deployed without overrides is this boolean / number. */
function defaultIs(
  files: readonly BicepFile[],
  r: Resource,
  node: Node | undefined,
  test: (text: string) => boolean,
): boolean {
  if (!node) return false;
  const v = node.type === 'identifier' ? effectiveDefault(files, r.file, node.text) : node;
  return v !== undefined && test(unwrap(v).text);
}

function checkOutputProtection(files: readonly BicepFile[], all: readonly Resource[], out: Finding[]): void {
  for (const blob of ofType(all, 'Microsoft.Storage/storageAccounts/blobServices')) {
    const label = `${blob.type} ${blob.symbol}`;
    const versioning = valueAt(blob.body, 'properties.isVersioningEnabled');
    if (!defaultIs(files, blob, versioning, (t) => t === 'true'))
      out.push(
        at(
          'structure',
          blob.file,
          versioning ?? blob.decl,
          `${label}: blob versioning must be on by default (properties.isVersioningEnabled)`,
        ),
      );
    const softDelete = valueAt(blob.body, 'properties.deleteRetentionPolicy.days');
    const days =
      softDelete?.type === 'ternary_expression' ? softDelete.childForFieldName('consequence') : softDelete;
    if (!days || !defaultIs(files, blob, unwrap(days), (t) => Number(t) > 0))
      out.push(
        at(
          'structure',
          blob.file,
          softDelete ?? blob.decl,
          `${label}: blob soft delete must be on by default (properties.deleteRetentionPolicy.days > 0)`,
        ),
      );
  }
  const policies = ofType(
    all,
    'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies',
  );
  const output = ofType(all, 'Microsoft.Storage/storageAccounts/blobServices/containers').find(
    (c) => valueAt(c.body, 'name')?.text === 'outputContainerName',
  );
  if (!output) {
    out.push({
      check: 'structure',
      file: '(infra)',
      row: 0,
      column: 0,
      message: 'no output container (a container named by outputContainerName)',
    });
    return;
  }
  const policy = policies.find((p) => referenced(all, p, 'parent') === output);
  if (!policy) {
    out.push(
      at(
        'structure',
        output.file,
        output.decl,
        `container ${output.symbol}: no optional time-based retention (immutabilityPolicies) on the output container`,
      ),
    );
    return;
  }
  const period = valueAt(policy.body, 'properties.immutabilityPeriodSinceCreationInDays');
  if (!policy.conditional || !defaultIs(files, policy, period, (t) => t === '0'))
    out.push(
      at(
        'structure',
        policy.file,
        period ?? policy.decl,
        `immutability policy ${policy.symbol}: must be optional (\`if (…)\`) and off by default (a period parameter defaulting to 0)`,
      ),
    );
}

function checkPublishingCredentials(all: readonly Resource[], out: Finding[]): void {
  const site = ofType(all, 'Microsoft.Web/sites')[0];
  if (!site) return;
  const policies = ofType(all, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
  for (const kind of ['ftp', 'scm']) {
    const p = policies.find(
      (x) => stringLiteral(valueAt(x.body, 'name')) === kind && referenced(all, x, 'parent') === site,
    );
    const allow = p ? valueAt(p.body, 'properties.allow') : undefined;
    if (allow?.text !== 'false')
      out.push(
        at(
          'structure',
          p?.file ?? site.file,
          allow ?? p?.decl ?? site.decl,
          `${site.type} ${site.symbol}: basic publishing credentials (${kind}) must be disabled (basicPublishingCredentialsPolicies '${kind}' with allow: false)`,
        ),
      );
  }
}

/** Settings whose only deployable value is fixed: a parameter whose @allowed lists exactly it. */
export const FIXED_DEPLOYED_SETTINGS: readonly { key: string; value: string; why: string }[] = [
  {
    key: 'O365_VERIFY_TLS',
    value: 'true',
    why: 'TLS verification off is for local tests against a simulator',
  },
];

function checkFixedSettings(files: readonly BicepFile[], out: Finding[]): void {
  const found = findAppSettings(files);
  if (isFinding(found)) return; // reported by the app-settings check
  for (const fixed of FIXED_DEPLOYED_SETTINGS) {
    const s = found.settings.find((x) => x.key === fixed.key);
    if (!s) continue;
    const v = unwrap(s.value);
    const literal = stringLiteral(v);
    const param = v.type === 'identifier' ? declarations(found.file).get(v.text) : undefined;
    const allowed = param?.decorators.find((d) => decoratorName(d) === 'allowed');
    const values = allowed ? descendants(allowed, 'string').map((n) => stringLiteral(n)) : undefined;
    const ok = literal === fixed.value || (values?.length === 1 && values[0] === fixed.value);
    if (!ok)
      out.push(
        at(
          'structure',
          found.file,
          allowed ?? s.value,
          `${fixed.key} can only be deployed as '${fixed.value}' (${fixed.why}): use @allowed(['${fixed.value}'])`,
        ),
      );
  }
}

const PRIVATE_GROUPS = ['blob', 'queue', 'table', 'vault'];

/** `[for e in list: …]`: the loop variable and the list's object elements (a var of object literals). */
function loopElements(r: Resource): { variable: string; elements: Node[] } | undefined {
  if (!r.loop) return undefined;
  const parts = named(r.loop);
  const variable = parts.find((p) => p.type === 'identifier' || p.type === 'loop_variable')?.text;
  const iterable = parts.find((p, i) => i > 0 && p.type === 'identifier');
  const list = iterable ? throughVar(r.file, iterable) : undefined;
  if (!variable || list?.type !== 'array') return undefined;
  return { variable, elements: named(list).filter((n) => n.type === 'object') };
}

/** Group ids a private endpoint resource connects, literal or from its loop's list. */
function groupIds(r: Resource): string[] {
  const out: string[] = [];
  for (const ids of descendants(r.body, 'object_property').filter((p) => named(p)[0]?.text === 'groupIds')) {
    for (const v of named(named(ids)[1] ?? ids)) {
      const literal = stringLiteral(v);
      if (literal !== undefined) out.push(literal);
      else if (v.type === 'member_expression') {
        const loop = loopElements(r);
        const prop = v.childForFieldName('property')?.text;
        if (loop && prop && v.childForFieldName('object')?.text === loop.variable)
          for (const e of loop.elements) {
            const s = stringLiteral(valueAt(e, prop));
            if (s) out.push(s);
          }
      }
    }
  }
  return out;
}

function checkPrivateNetworking(files: readonly BicepFile[], all: readonly Resource[], out: Finding[]): void {
  const site = ofType(all, 'Microsoft.Web/sites')[0];
  if (site && !valueAt(site.body, 'properties.virtualNetworkSubnetId'))
    out.push(
      at(
        'structure',
        site.file,
        site.decl,
        `${site.type} ${site.symbol}: properties.virtualNetworkSubnetId (VNet integration for private networking) is missing`,
      ),
    );
  for (const type of ['Microsoft.Storage/storageAccounts', 'Microsoft.KeyVault/vaults']) {
    for (const r of ofType(all, type)) {
      const v = valueAt(r.body, 'properties.publicNetworkAccess');
      const cond = v?.type === 'ternary_expression' ? v.childForFieldName('condition') : undefined;
      const disabled =
        v?.type === 'ternary_expression' ? stringLiteral(v.childForFieldName('consequence')) : undefined;
      if (!cond || disabled !== 'Disabled' || !defaultIs(files, r, unwrap(cond), (t) => t === 'false'))
        out.push(
          at(
            'structure',
            r.file,
            v ?? r.decl,
            `${r.type} ${r.symbol}: properties.publicNetworkAccess must be \`<private networking parameter, off by default> ? 'Disabled' : 'Enabled'\``,
          ),
        );
    }
  }
  const delegated = descendants(
    ofType(all, 'Microsoft.Network/virtualNetworks')[0]?.body ?? files[0]!.tree.rootNode,
    'object_property',
  ).some(
    (p) => named(p)[0]?.text === 'serviceName' && stringLiteral(named(p)[1]) === 'Microsoft.App/environments',
  );
  if (!delegated)
    out.push({
      check: 'structure',
      file: '(infra)',
      row: 0,
      column: 0,
      message:
        'private networking: no subnet delegated to Microsoft.App/environments (Flex Consumption VNet integration)',
    });
  const endpoints = ofType(all, 'Microsoft.Network/privateEndpoints');
  const groups = new Set(endpoints.flatMap(groupIds));
  const missing = PRIVATE_GROUPS.filter((g) => !groups.has(g));
  if (missing.length > 0)
    out.push({
      check: 'structure',
      file: '(infra)',
      row: 0,
      column: 0,
      message: `private networking: no private endpoint for ${missing.join(', ')}`,
    });
  if (
    endpoints.length > 0 &&
    ofType(all, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups').length === 0
  )
    out.push({
      check: 'structure',
      file: '(infra)',
      row: 0,
      column: 0,
      message:
        'private networking: private endpoints without privateDnsZoneGroups (names would not resolve to them)',
    });
}

export function checkHardening(files: readonly BicepFile[], all: readonly Resource[], out: Finding[]): void {
  checkDiagnostics(all, out);
  checkOutputProtection(files, all, out);
  checkPublishingCredentials(all, out);
  checkFixedSettings(files, out);
  checkPrivateNetworking(files, all, out);
}

/** `${NAME}` or `${NAME=default}`: an azd environment value, substituted by azd before the deployment. */
const AZD_REFERENCE = /^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$/;

/**
 * main.parameters.json is azd's parameters file. A value written in it would be deployed by every
 * `azd up` and silently undo what a CLI deployment or `azd env set` chose; every value must be an
 * azd environment value reference instead.
 */
export function checkAzdParameters(parametersJson: { display: string; text: string }): Finding[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(parametersJson.text);
  } catch (e) {
    return [
      {
        check: 'structure',
        file: parametersJson.display,
        row: 1,
        column: 1,
        message: `not JSON: ${(e as Error).message}`,
      },
    ];
  }
  const params = (parsed as { parameters?: Record<string, { value?: unknown }> }).parameters ?? {};
  const out: Finding[] = [];
  const lines = parametersJson.text.split('\n');
  for (const [name, p] of Object.entries(params)) {
    if (typeof p.value === 'string' && AZD_REFERENCE.test(p.value)) continue;
    const row = lines.findIndex((l) => l.includes(`"${name}"`)) + 1;
    out.push({
      check: 'structure',
      file: parametersJson.display,
      row: Math.max(row, 1),
      column: 1,
      message: `parameter ${name} is hard-coded (${JSON.stringify(p.value)}); take it from an azd environment value, e.g. "\${NAME=default}", or azd up reverts what was chosen elsewhere`,
    });
  }
  return out;
}
