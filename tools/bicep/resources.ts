/**
 * Resource declarations read from the syntax tree, and the small vocabulary the structure checks
 * share: values at a dotted path, expectations on them, parameters and their effective defaults
 * (followed through module calls), and string values of variables.
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

export interface Resource {
  file: BicepFile;
  decl: Node;
  symbol: string;
  /** Type without the API version, e.g. `Microsoft.Web/sites`. */
  type: string;
  existing: boolean;
  /** Declared with `if (…)`: deployed only when the condition holds. */
  conditional: boolean;
  /** Declared with `[for … in …: …]`. */
  loop: Node | undefined;
  body: Node;
}

export function resources(files: readonly BicepFile[]): Resource[] {
  const out: Resource[] = [];
  for (const file of files) {
    for (const decl of descendants(file.tree.rootNode, 'resource_declaration')) {
      const type = stringLiteral(named(decl)[1])?.split('@')[0];
      const body = bodyObject(decl);
      if (!type || !body) continue;
      const existing = decl.children.some((c) => c?.type === 'existing');
      const conditional = named(decl).some((c) => c.type === 'if_statement');
      const loop = named(decl).find((c) => c.type === 'for_statement');
      out.push({ file, decl, symbol: named(decl)[0]?.text ?? '', type, existing, conditional, loop, body });
    }
  }
  return out;
}

export function ofType(all: readonly Resource[], type: string, existing = false): Resource[] {
  return all.filter((r) => r.type.toLowerCase() === type.toLowerCase() && r.existing === existing);
}

/** Value at a dotted path of object literals; keys compared case-insensitively (as ARM does). */
export function valueAt(obj: Node, dotted: string): Node | undefined {
  let cur: Node | undefined = obj;
  for (const key of dotted.split('.')) {
    if (!cur || cur.type !== 'object') return undefined;
    cur = properties(cur).find((p) => p.key?.toLowerCase() === key.toLowerCase())?.value;
  }
  return cur ? unwrap(cur) : undefined;
}

/** The resource a `scope:` or `parent:` identifier names, in the same file. */
export function referenced(
  all: readonly Resource[],
  r: Resource,
  key: 'scope' | 'parent',
): Resource | undefined {
  const v = valueAt(r.body, key);
  return v?.type === 'identifier' ? all.find((x) => x.file === r.file && x.symbol === v.text) : undefined;
}

/** Expected value: a string literal, a boolean, or the markers PARAMETER / PRESENT. */
export type Expectation = [path: string, expected: string | boolean];
export const PARAMETER = '<a parameter>';
export const PRESENT = '<present>';

export function expect(r: Resource, expectations: readonly Expectation[], out: Finding[]): void {
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

export function single(
  files: readonly BicepFile[],
  all: Resource[],
  type: string,
  out: Finding[],
): Resource | undefined {
  const found = ofType(all, type);
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

/** A string literal, or `var.member` of an object-literal variable, to its string value. */
export function resolveString(file: BicepFile, expr: Node): string | undefined {
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

/** An identifier naming a `var` is replaced by the variable's value (one level). */
export function throughVar(file: BicepFile, node: Node): Node {
  const n = unwrap(node);
  if (n.type !== 'identifier') return n;
  const d = declarations(file).get(n.text);
  return d?.kind === 'var' && d.value ? unwrap(d.value) : n;
}

export function callArgs(node: Node | undefined, fn: string): Node[] | undefined {
  if (!node || node.type !== 'call_expression' || node.childForFieldName('function')?.text !== fn)
    return undefined;
  const args = node.childForFieldName('arguments');
  return args ? named(args) : [];
}

/** A `@minValue(n)` decorator of a parameter, when present. */
export function minValueOf(file: BicepFile, param: string): number | undefined {
  const d = declarations(file).get(param);
  if (d?.kind !== 'param') return undefined;
  for (const dec of d.decorators) {
    if (decoratorName(dec) !== 'minValue') continue;
    const n = Number(/\((\d+)\)/.exec(dec.text)?.[1]);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * The value a parameter of `file` has when the templates are deployed without overrides: the
 * value a module call in another file passes (followed through that file's own parameters), or
 * else the parameter's default. Undefined when neither is known.
 */
export function effectiveDefault(
  files: readonly BicepFile[],
  file: BicepFile,
  param: string,
  seen: Set<string> = new Set(),
): Node | undefined {
  const key = `${file.path}:${param}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  for (const f of files) {
    for (const m of descendants(f.tree.rootNode, 'module_declaration')) {
      const target = stringLiteral(named(m)[1]);
      if (!target || path.resolve(path.dirname(f.path), target) !== file.path) continue;
      const body = bodyObject(m);
      const passed = body ? valueAt(body, `params.${param}`) : undefined;
      if (!passed) continue;
      if (passed.type === 'identifier' && declarations(f).get(passed.text)?.kind === 'param')
        return effectiveDefault(files, f, passed.text, seen);
      return passed;
    }
  }
  const d = declarations(file).get(param);
  return d?.kind === 'param' && d.value ? unwrap(d.value) : undefined;
}
