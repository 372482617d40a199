/**
 * Checks 1, 2, 3 and 5: syntax, the set of app-setting keys, legacy Flex settings, and parameter
 * defaults equal to the code defaults (shared/settings.ts).
 */
import { SETTINGS, type SettingSpec } from '../../shared/settings.js';
import {
  at,
  decoratorName,
  declarations,
  descendants,
  properties,
  stringLiteral,
  unwrap,
  walk,
  type BicepFile,
  type Finding,
} from './ast.js';
import { findAppSettings, isFinding } from './app-settings.js';

// ---------------------------------------------------------------------------------------------
// Check 1: syntax
// ---------------------------------------------------------------------------------------------

export function syntaxFindings(file: BicepFile): Finding[] {
  const out: Finding[] = [];
  walk(file.tree.rootNode, (n) => {
    if (n.isError || n.type === 'ERROR')
      out.push(at('syntax', file, n, `syntax error near ${JSON.stringify(n.text.slice(0, 40))}`));
    else if (n.isMissing) out.push(at('syntax', file, n, `missing ${JSON.stringify(n.type)}`));
  });
  if (out.length === 0 && file.tree.rootNode.hasError)
    out.push(at('syntax', file, file.tree.rootNode, 'parse error'));
  return out;
}

export function checkSyntax(files: readonly BicepFile[]): Finding[] {
  return files.flatMap(syntaxFindings);
}

// ---------------------------------------------------------------------------------------------
// Check 2: the set of app-setting keys
// ---------------------------------------------------------------------------------------------

/**
 * Settings the platform (not shared/settings.ts) reads:
 *  - AzureWebJobsStorage__*: identity-based host storage replacing the AzureWebJobsStorage connection
 *    string. blob/queue/table service URIs (not __accountName) so sovereign clouds work; queue for the
 *    queue trigger, table for checkpoints/ledger through O365_OUTPUT_CONNECTION=AzureWebJobsStorage.
 *  - APPLICATIONINSIGHTS_CONNECTION_STRING / _AUTHENTICATION_STRING: Entra-authenticated telemetry.
 *  - AZURE_CLIENT_ID: which user-assigned identity DefaultAzureCredential/ManagedIdentityCredential use.
 */
export const HOST_SETTINGS: readonly string[] = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AZURE_CLIENT_ID',
];

/** Product settings replaced in Azure by something else (see HOST_SETTINGS). */
export const REPLACED_SETTINGS: readonly string[] = ['AzureWebJobsStorage'];

export function expectedAppSettingKeys(settings: readonly SettingSpec[] = SETTINGS): Set<string> {
  const keys = new Set(settings.map((s) => s.key).filter((k) => !REPLACED_SETTINGS.includes(k)));
  for (const k of HOST_SETTINGS) keys.add(k);
  return keys;
}

export function checkAppSettingKeys(
  files: readonly BicepFile[],
  settings: readonly SettingSpec[] = SETTINGS,
): Finding[] {
  const found = findAppSettings(files);
  if (isFinding(found)) return [found];
  const out: Finding[] = [];
  const expected = expectedAppSettingKeys(settings);
  const seen = new Set<string>();
  for (const k of found.dynamicKeys) {
    out.push(at('appsettings', found.file, k, `app setting key ${k.text} is computed; use a plain name`));
  }
  for (const s of found.settings) {
    if (seen.has(s.key)) out.push(at('appsettings', found.file, s.keyNode, `duplicate app setting ${s.key}`));
    seen.add(s.key);
    if (!expected.has(s.key)) {
      out.push(
        at(
          'appsettings',
          found.file,
          s.keyNode,
          `app setting ${s.key} is neither in shared/settings.ts nor a known host setting`,
        ),
      );
    }
  }
  for (const k of expected) {
    if (!seen.has(k)) out.push(at('appsettings', found.file, found.object, `app setting ${k} is missing`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Check 3: legacy settings that Flex Consumption does not allow
// ---------------------------------------------------------------------------------------------

/** Learn "Flex Consumption plan deprecations" (functions-app-settings). */
export const FORBIDDEN_FLEX_SETTINGS: readonly string[] = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_MAX_HTTP_CONCURRENCY',
  'FUNCTIONS_WORKER_PROCESS_COUNT',
  'FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTOVERVNET',
  'WEBSITE_SKIP_CONTENTSHARE_VALIDATION',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
  'WEBSITE_VNET_ROUTE_ALL',
  'WEBSITE_TIME_ZONE',
  'WEBSITE_DNS_SERVER',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
  'AzureWebJobsStorage', // a connection string; Flex here uses the identity-based __ settings
];

/**
 * Flags a forbidden name used as an app-settings key, as an object key anywhere (e.g. another
 * config resource) or as a `name: '<forbidden>'` entry of a siteConfig.appSettings array.
 */
export function checkForbiddenSettings(files: readonly BicepFile[]): Finding[] {
  const forbidden = new Map(FORBIDDEN_FLEX_SETTINGS.map((k) => [k.toLowerCase(), k]));
  const out: Finding[] = [];
  for (const f of files) {
    for (const obj of descendants(f.tree.rootNode, 'object')) {
      for (const p of properties(obj)) {
        const hit = p.key !== undefined ? forbidden.get(p.key.toLowerCase()) : undefined;
        if (hit) out.push(at('legacy', f, p.keyNode, `${hit} must not be set on Flex Consumption`));
        if (p.key === 'name') {
          const v = stringLiteral(p.value);
          const named = v !== undefined ? forbidden.get(v.toLowerCase()) : undefined;
          // `name: 'AzureWebJobsStorage'` is only suspicious inside an appSettings array entry.
          if (named && named !== 'AzureWebJobsStorage') {
            out.push(at('legacy', f, p.value, `${named} must not be set on Flex Consumption`));
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Check 5: parameter defaults equal the code defaults
// ---------------------------------------------------------------------------------------------

/**
 * Product settings whose value the template derives instead of taking a parameter, and why:
 *  - O365_AUTH_MODE: set explicitly from `authMode` (secret | certificate | federated), which also
 *    decides which Key Vault reference is filled; the code only infers the mode when it is empty.
 *  - O365_FEDERATED_IDENTITY_CLIENT_ID: the user-assigned identity's client id in `federated` mode.
 * Secret settings are covered by the secrets check.
 */
export const DERIVED_SETTINGS: readonly string[] = ['O365_AUTH_MODE', 'O365_FEDERATED_IDENTITY_CLIENT_ID'];

export function checkParamDefaults(
  files: readonly BicepFile[],
  settings: readonly SettingSpec[] = SETTINGS,
): Finding[] {
  const found = findAppSettings(files);
  if (isFinding(found)) return [{ ...found, check: 'defaults' }];
  const decls = declarations(found.file);
  const byKey = new Map(found.settings.map((s) => [s.key, s]));
  const out: Finding[] = [];
  for (const spec of settings) {
    if (spec.secret || REPLACED_SETTINGS.includes(spec.key) || DERIVED_SETTINGS.includes(spec.key)) continue;
    const s = byKey.get(spec.key);
    if (!s) continue; // reported by the app-settings check
    const value = unwrap(s.value);
    const param = value.type === 'identifier' ? decls.get(value.text) : undefined;
    if (!param || param.kind !== 'param') {
      out.push(
        at(
          'defaults',
          found.file,
          s.value,
          `${spec.key} must take its value from a parameter (found \`${value.text.slice(0, 60)}\`)`,
        ),
      );
      continue;
    }
    if (spec.required) {
      if (param.value)
        out.push(
          at(
            'defaults',
            found.file,
            param.value,
            `${spec.key} is required: parameter ${param.name} must not have a default`,
          ),
        );
      continue;
    }
    const expected = spec.default ?? '';
    const actual = stringLiteral(param.value);
    if (actual !== expected) {
      out.push(
        at(
          'defaults',
          found.file,
          param.value ?? param.node,
          `parameter ${param.name} (${spec.key}) defaults to ${param.value ? param.value.text : 'nothing'}, the code default is ${JSON.stringify(expected)}`,
        ),
      );
      continue;
    }
    const allowed = param.decorators.find((d) => decoratorName(d) === 'allowed');
    if (allowed) {
      const values = descendants(allowed, 'string').map((n) => stringLiteral(n));
      if (!values.includes(expected)) {
        out.push(
          at(
            'defaults',
            found.file,
            allowed,
            `@allowed of ${param.name} does not include the default ${JSON.stringify(expected)}`,
          ),
        );
      }
    }
  }
  return out;
}
