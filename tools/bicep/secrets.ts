/**
 * Check 4: no secret value or storage key in the Bicep or its parameters file.
 */
import type { Node } from 'web-tree-sitter';
import { SETTINGS, type SettingSpec } from '../../shared/settings.js';
import {
  at,
  decoratorName,
  declarations,
  stringText,
  unwrap,
  walk,
  type BicepFile,
  type Finding,
} from './ast.js';
import { findAppSettings, isFinding } from './app-settings.js';
import { REPLACED_SETTINGS } from './rules.js';

// ---------------------------------------------------------------------------------------------
// Check 4: no secrets or storage keys
// ---------------------------------------------------------------------------------------------

/** Literal shapes that are credentials whatever setting they end up in. */
const SECRET_PATTERNS: readonly { re: RegExp; what: string }[] = [
  { re: /AccountKey\s*=/i, what: 'a storage account key (AccountKey=)' },
  {
    // A storage account key on its own (a param default, a variable): 64 random bytes in base64, so 86
    // characters and `==`. Requiring all of digit, lower and upper case keeps names and ids out.
    re: /(?<![A-Za-z0-9+/=])(?=[A-Za-z0-9+/]{0,85}[0-9])(?=[A-Za-z0-9+/]{0,85}[a-z])(?=[A-Za-z0-9+/]{0,85}[A-Z])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/,
    what: 'a storage account key (88 base64 characters)',
  },
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
    const pf = { display: parametersJson.display };
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
