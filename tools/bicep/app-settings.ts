/**
 * Finds "the appsettings object" of the function app in the syntax tree: the
 * `Microsoft.Web/sites/config` resource named `appsettings`, followed from its `properties` through
 * variables and module parameters to the object literal that holds the keys and values.
 */
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import {
  at,
  bodyObject,
  declarations,
  descendants,
  named,
  properties,
  property,
  stringLiteral,
  unwrap,
  type BicepFile,
  type Finding,
} from './ast.js';

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
  /** Keys that are not plain names (interpolated): they cannot be checked, so they are reported. */
  dynamicKeys: Node[];
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
  const dynamicKeys: Node[] = [];
  for (const p of properties(resolved.object)) {
    if (p.key === undefined) {
      dynamicKeys.push(p.keyNode);
      continue;
    }
    settings.push({ key: p.key, keyNode: p.keyNode, value: p.value });
  }
  return { file: resolved.file, object: resolved.object, settings, dynamicKeys };
}

export function isFinding(x: AppSettingsObject | Finding): x is Finding {
  return 'check' in x;
}
