/**
 * CI checks for the Bicep under infra/, without the Bicep compiler: every file is parsed with the
 * tree-sitter-bicep grammar (web-tree-sitter + the grammar's .wasm) and the project rules are
 * evaluated on the syntax tree, not on the raw text.
 *
 *  1. syntax          every .bicep file parses with no ERROR or missing node
 *  2. app settings    the keys of the function app's `appsettings` object equal the keys of
 *                     shared/settings.ts (minus AzureWebJobsStorage) plus the known host settings
 *  3. legacy Flex     no setting that Flex Consumption rejects or ignores (FUNCTIONS_WORKER_RUNTIME …)
 *  4. secrets         no listKeys()/key properties, no AccountKey=/SAS/private key/client-secret-shaped
 *                     literal, secret settings only Key Vault references or empty, no secure
 *                     parameter with a value in the repo
 *  5. defaults        the parameter behind each product setting has the code's default
 *
 * Every check returns findings (`file:row:col: message`, 1-based) instead of throwing, so tests can
 * assert on them and the CLI (`node dist/tools/bicep/check.js [infraDir]`) can print them all.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { SETTINGS, type SettingSpec } from '../../shared/settings.js';

export interface Finding {
  check: 'syntax' | 'appsettings' | 'legacy' | 'secrets' | 'defaults';
  file: string;
  /** 1-based. */
  row: number;
  /** 1-based. */
  column: number;
  message: string;
}

export interface BicepFile {
  /** Absolute path. */
  path: string;
  /** Path as shown in findings (relative to the infra dir's parent when loaded with loadInfra). */
  display: string;
  source: string;
  tree: Tree;
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.row}:${f.column}: [${f.check}] ${f.message}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

let parserPromise: Promise<Parser> | undefined;

/** One parser per process; the grammar's .wasm is located through node module resolution. */
export function loadBicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = path.join(
      path.dirname(require.resolve('tree-sitter-bicep/package.json')),
      'tree-sitter-bicep.wasm',
    );
    await Parser.init();
    const language = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export async function parseBicep(file: string, source: string, display = file): Promise<BicepFile> {
  const parser = await loadBicepParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${display}`);
  return { path: path.resolve(file), display, source, tree };
}

async function listBicepFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listBicepFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.bicep')) out.push(full);
  }
  return out.sort();
}

/** Parses every .bicep file under `infraDir` (recursively). */
export async function loadInfra(infraDir: string): Promise<BicepFile[]> {
  const base = path.dirname(path.resolve(infraDir));
  const files = await listBicepFiles(path.resolve(infraDir));
  return Promise.all(
    files.map(async (f) =>
      parseBicep(f, await readFile(f, 'utf8'), path.relative(base, f).split(path.sep).join('/')),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Tree helpers
// ---------------------------------------------------------------------------------------------

function at(check: Finding['check'], file: BicepFile, node: Node | null, message: string): Finding {
  const p = node?.startPosition ?? { row: 0, column: 0 };
  return { check, file: file.display, row: p.row + 1, column: p.column + 1, message };
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) if (c) walk(c, visit);
}

function descendants(node: Node, type: string): Node[] {
  const out: Node[] = [];
  walk(node, (n) => {
    if (n.type === type) out.push(n);
  });
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

function unescape(text: string): string {
  return text.replace(/\\(u\{[0-9a-fA-F]+\}|.)/g, (_m, e: string) =>
    e.startsWith('u{') ? String.fromCodePoint(parseInt(e.slice(2, -1), 16)) : (ESCAPES[e] ?? e),
  );
}

/** The value of a string literal without interpolation; undefined for anything else. */
export function stringLiteral(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  let out = '';
  for (const c of named(node)) {
    if (c.type === 'string_content') out += c.text;
    else if (c.type === 'escape_sequence') out += unescape(c.text);
    else return undefined; // interpolation
  }
  return out;
}

/** Text of a string with `${…}` shown literally; for scanning literals that contain interpolations. */
function stringText(node: Node): string {
  return named(node)
    .map((c) =>
      c.type === 'escape_sequence' ? unescape(c.text) : c.type === 'string_content' ? c.text : '${…}',
    )
    .join('');
}

function unwrap(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression' && named(n).length === 1) n = named(n)[0]!;
  return n;
}

interface Property {
  key: string | undefined;
  keyNode: Node;
  value: Node;
}

/** Properties of an object literal (keys that are identifiers or plain strings). */
function properties(obj: Node): Property[] {
  const out: Property[] = [];
  for (const p of named(obj)) {
    if (p.type !== 'object_property') continue;
    const parts = named(p).filter((c) => c.type !== 'decorators' && c.type !== 'comment');
    if (parts.length < 2) continue; // nested resource declaration
    const keyNode = parts[0]!;
    const key =
      keyNode.type === 'identifier' || keyNode.type === 'property_identifier'
        ? keyNode.text
        : stringLiteral(keyNode);
    out.push({ key, keyNode, value: parts[parts.length - 1]! });
  }
  return out;
}

function property(obj: Node, key: string): Node | undefined {
  return properties(obj).find((p) => p.key === key)?.value;
}

interface Declaration {
  kind: 'param' | 'var';
  name: string;
  node: Node;
  /** Default (param) or value (var). */
  value: Node | undefined;
  decorators: Node[];
}

function declarations(file: BicepFile): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  for (const d of named(file.tree.rootNode)) {
    if (d.type !== 'parameter_declaration' && d.type !== 'variable_declaration') continue;
    const parts = named(d);
    const name = parts[0]?.text;
    if (!name) continue;
    const eq = d.children.findIndex((c) => c?.type === '=');
    const value = eq >= 0 ? (d.children.slice(eq + 1).find((c) => c?.isNamed) ?? undefined) : undefined;
    const prev = d.previousNamedSibling;
    const decorators = prev?.type === 'decorators' ? named(prev) : [];
    out.set(name, {
      kind: d.type === 'parameter_declaration' ? 'param' : 'var',
      name,
      node: d,
      value: value ?? undefined,
      decorators,
    });
  }
  return out;
}

function decoratorName(dec: Node): string | undefined {
  const call = named(dec)[0];
  if (!call) return undefined;
  if (call.type === 'call_expression') return call.childForFieldName('function')?.text;
  return call.text;
}

/** Body object of a resource/module declaration (through `if (…)` and `for` forms). */
function bodyObject(decl: Node): Node | undefined {
  for (const c of named(decl)) {
    if (c.type === 'object') return c;
    if (c.type === 'if_statement' || c.type === 'for_statement') {
      const inner = named(c).find((x) => x.type === 'object');
      if (inner) return inner;
    }
  }
  return undefined;
}

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
// Locating the app settings object
// ---------------------------------------------------------------------------------------------

export interface AppSetting {
  key: string;
  keyNode: Node;
  value: Node;
}

export interface AppSettingsObject {
  /** File holding the object literal (where values and parameters are resolved). */
  file: BicepFile;
  object: Node;
  settings: AppSetting[];
}

function isAppSettingsResource(decl: Node): Node | undefined {
  const type = stringLiteral(named(decl)[1]);
  if (!type) return undefined;
  const body = bodyObject(decl);
  if (!body) return undefined;
  const isConfig = /^Microsoft\.Web\/sites\/config@/i.test(type) || type === 'config';
  const name = stringLiteral(property(body, 'name'));
  if (!isConfig || !name || !/(^|\/)appsettings$/i.test(name)) return undefined;
  return property(body, 'properties');
}

/**
 * Resolves an expression to an object literal: through variables in the same file and through
 * module parameters to the value the calling file passes.
 */
function resolveObject(
  files: readonly BicepFile[],
  file: BicepFile,
  expr: Node,
  seen = new Set<string>(),
): { file: BicepFile; object: Node } | string {
  const node = unwrap(expr);
  if (node.type === 'object') return { file, object: node };
  if (node.type !== 'identifier')
    return `expected an object literal, found ${node.type} \`${node.text.slice(0, 60)}\``;
  const id = `${file.path}#${node.text}`;
  if (seen.has(id)) return `circular reference through ${node.text}`;
  seen.add(id);
  const decl = declarations(file).get(node.text);
  if (!decl) return `unknown identifier ${node.text}`;
  if (decl.kind === 'var') {
    return decl.value ? resolveObject(files, file, decl.value, seen) : `variable ${decl.name} has no value`;
  }
  // A module parameter: find the callers.
  const callers: { file: BicepFile; value: Node }[] = [];
  for (const f of files) {
    for (const m of descendants(f.tree.rootNode, 'module_declaration')) {
      const target = stringLiteral(named(m)[1]);
      if (!target || path.resolve(path.dirname(f.path), target) !== file.path) continue;
      const params = bodyObject(m) && property(bodyObject(m)!, 'params');
      const value = params && params.type === 'object' ? property(params, decl.name) : undefined;
      if (value) callers.push({ file: f, value });
    }
  }
  if (callers.length !== 1) {
    return `parameter ${decl.name} of ${file.display} must be passed by exactly one module call (found ${callers.length})`;
  }
  return resolveObject(files, callers[0]!.file, callers[0]!.value, seen);
}

export function findAppSettings(files: readonly BicepFile[]): AppSettingsObject | Finding {
  const found: { file: BicepFile; props: Node }[] = [];
  for (const f of files) {
    for (const r of descendants(f.tree.rootNode, 'resource_declaration')) {
      const props = isAppSettingsResource(r);
      if (props) found.push({ file: f, props });
    }
  }
  const first = files[0];
  if (found.length !== 1) {
    const where = found[1] ?? found[0];
    const file = where?.file ?? first;
    const message = `expected exactly one Microsoft.Web/sites/config 'appsettings' resource, found ${found.length}`;
    return file
      ? at('appsettings', file, where?.props ?? null, message)
      : { check: 'appsettings', file: '(none)', row: 0, column: 0, message };
  }
  const { file, props } = found[0]!;
  const resolved = resolveObject(files, file, props);
  if (typeof resolved === 'string')
    return at('appsettings', file, props, `cannot resolve the appsettings object: ${resolved}`);
  const settings: AppSetting[] = [];
  for (const p of properties(resolved.object)) {
    if (p.key === undefined) continue;
    settings.push({ key: p.key, keyNode: p.keyNode, value: p.value });
  }
  return { file: resolved.file, object: resolved.object, settings };
}

function isFinding(x: AppSettingsObject | Finding): x is Finding {
  return 'check' in x;
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
// Check 4: no secrets or storage keys
// ---------------------------------------------------------------------------------------------

/** Literal shapes that are credentials whatever setting they end up in. */
const SECRET_PATTERNS: readonly { re: RegExp; what: string }[] = [
  { re: /AccountKey\s*=/i, what: 'a storage account key (AccountKey=)' },
  { re: /SharedAccessSignature\s*=|SharedAccessKey\s*=/i, what: 'a shared access signature/key' },
  { re: /[?&]sig=[A-Za-z0-9%+/=]{10,}/, what: 'a SAS token (sig=)' },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  {
    re: /(^|[^A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}($|[^A-Za-z0-9_~.-])/,
    what: 'an Entra client secret',
  },
  { re: /InstrumentationKey=[0-9a-f]{8}-/i, what: 'an instrumentation key literal' },
];

/** Functions and properties that hand out keys. */
const KEY_FUNCTIONS = /^list[A-Za-z]*$/; // listKeys, listAccountSas, listServiceSas, listSecrets, …
const KEY_PROPERTIES = new Set([
  'primaryKey',
  'secondaryKey',
  'primaryMasterKey',
  'primaryConnectionString',
  'secondaryConnectionString',
  'InstrumentationKey',
]);

const KEY_VAULT_REFERENCE =
  /^@Microsoft\.KeyVault\((VaultName=[^;)]+;SecretName=[^;)]+(;SecretVersion=[^;)]+)?|SecretUri=https:\/\/[^)]+)\)$/;

/**
 * Whether an expression can only produce '' or a Key Vault reference: string literals that are empty
 * or `@Microsoft.KeyVault(…)` (interpolated names allowed), ternaries whose both branches qualify,
 * and variables whose value qualifies. Parameters do not qualify: a parameter could carry the secret.
 */
function isKeyVaultRefOrEmpty(file: BicepFile, expr: Node, seen = new Set<string>()): boolean {
  const node = unwrap(expr);
  if (node.type === 'string') {
    const text = stringText(node);
    if (text === '') return true;
    // Interpolations stand for vault/secret names; the shape around them must be a reference.
    return KEY_VAULT_REFERENCE.test(text.replace(/\$\{…\}/g, 'x'));
  }
  if (node.type === 'ternary_expression') {
    const a = node.childForFieldName('consequence');
    const b = node.childForFieldName('alternative');
    return !!a && !!b && isKeyVaultRefOrEmpty(file, a, seen) && isKeyVaultRefOrEmpty(file, b, seen);
  }
  if (node.type === 'identifier' && !seen.has(node.text)) {
    seen.add(node.text);
    const d = declarations(file).get(node.text);
    return d?.kind === 'var' && !!d.value && isKeyVaultRefOrEmpty(file, d.value, seen);
  }
  return false;
}

export function checkNoSecrets(
  files: readonly BicepFile[],
  settings: readonly SettingSpec[] = SETTINGS,
  parametersJson?: { display: string; text: string },
): Finding[] {
  const out: Finding[] = [];
  const secureParams = new Set<string>();
  for (const f of files) {
    walk(f.tree.rootNode, (n) => {
      if (n.type === 'call_expression') {
        const fn = n.childForFieldName('function');
        const name = fn?.type === 'member_expression' ? fn.childForFieldName('property')?.text : fn?.text;
        if (name && KEY_FUNCTIONS.test(name))
          out.push(
            at(
              'secrets',
              f,
              n,
              `${name}() hands out keys or secrets; use Entra ID (managed identity) instead`,
            ),
          );
      } else if (
        n.type === 'property_identifier' &&
        KEY_PROPERTIES.has(n.text) &&
        n.parent?.type === 'member_expression'
      ) {
        out.push(at('secrets', f, n, `.${n.text} is a key or a keyed connection string`));
      } else if (n.type === 'string') {
        const text = stringText(n);
        for (const p of SECRET_PATTERNS)
          if (p.re.test(text)) out.push(at('secrets', f, n, `literal looks like ${p.what}`));
      }
    });
    for (const d of declarations(f).values()) {
      if (d.kind !== 'param' || !d.decorators.some((x) => decoratorName(x) === 'secure')) continue;
      secureParams.add(d.name);
      if (d.value)
        out.push(at('secrets', f, d.value, `secure parameter ${d.name} must not have a default value`));
    }
  }

  const found = findAppSettings(files);
  if (isFinding(found)) {
    out.push({ ...found, check: 'secrets' });
  } else {
    const secret = new Set(
      settings.filter((s) => s.secret && !REPLACED_SETTINGS.includes(s.key)).map((s) => s.key),
    );
    for (const s of found.settings) {
      if (!secret.has(s.key)) continue;
      if (!isKeyVaultRefOrEmpty(found.file, s.value)) {
        out.push(
          at(
            'secrets',
            found.file,
            s.value,
            `secret setting ${s.key} must be a Key Vault reference or empty, found \`${s.value.text.slice(0, 80)}\``,
          ),
        );
      }
    }
  }

  if (parametersJson) {
    const pf = { display: parametersJson.display } as BicepFile;
    let parsed: unknown;
    try {
      parsed = JSON.parse(parametersJson.text);
    } catch (e) {
      out.push(at('secrets', pf, null, `not valid JSON: ${(e as Error).message}`));
      parsed = undefined;
    }
    const params =
      (parsed as { parameters?: Record<string, { value?: unknown; reference?: unknown }> } | undefined)
        ?.parameters ?? {};
    for (const [name, p] of Object.entries(params)) {
      if (secureParams.has(name) && p.value !== undefined) {
        out.push(
          at(
            'secrets',
            pf,
            null,
            `secure parameter ${name} has a value; use a Key Vault "reference" instead`,
          ),
        );
      }
      const text = JSON.stringify(p.value ?? '');
      for (const pat of SECRET_PATTERNS)
        if (pat.re.test(text)) out.push(at('secrets', pf, null, `parameter ${name} looks like ${pat.what}`));
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

// ---------------------------------------------------------------------------------------------
// All checks
// ---------------------------------------------------------------------------------------------

export async function checkInfra(
  infraDir: string,
  settings: readonly SettingSpec[] = SETTINGS,
): Promise<Finding[]> {
  const files = await loadInfra(infraDir);
  const syntax = checkSyntax(files);
  if (files.length === 0) {
    return [{ check: 'syntax', file: infraDir, row: 0, column: 0, message: 'no .bicep files found' }];
  }
  const paramsPath = path.join(infraDir, 'main.parameters.json');
  let parametersJson: { display: string; text: string } | undefined;
  try {
    parametersJson = {
      display: path.relative(path.dirname(path.resolve(infraDir)), paramsPath),
      text: await readFile(paramsPath, 'utf8'),
    };
  } catch {
    parametersJson = undefined;
  }
  return [
    ...syntax,
    ...checkAppSettingKeys(files, settings),
    ...checkForbiddenSettings(files),
    ...checkNoSecrets(files, settings, parametersJson),
    ...checkParamDefaults(files, settings),
  ];
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'infra';
  const findings = await checkInfra(dir);
  for (const f of findings) console.error(formatFinding(f));
  console.log(
    findings.length === 0 ? `bicep check: ${dir} OK` : `bicep check: ${findings.length} finding(s)`,
  );
  process.exitCode = findings.length === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
