/**
 * Parsing Bicep with the tree-sitter-bicep grammar (web-tree-sitter + the grammar's .wasm) and the
 * small set of tree helpers the infra checks share. Node types are the grammar's: `object`,
 * `object_property`, `parameter_declaration`, `resource_declaration`, `string` (with
 * `string_content`, `escape_sequence`, `interpolation` children), …
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type CheckName = 'syntax' | 'appsettings' | 'legacy' | 'secrets' | 'defaults' | 'structure';

export interface Finding {
  check: CheckName;
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

export function at(
  check: CheckName,
  file: Pick<BicepFile, 'display'>,
  node: Node | null,
  message: string,
): Finding {
  const p = node?.startPosition ?? { row: 0, column: 0 };
  return { check, file: file.display, row: p.row + 1, column: p.column + 1, message };
}

export function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

export function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) if (c) walk(c, visit);
}

export function descendants(node: Node, type: string): Node[] {
  const out: Node[] = [];
  walk(node, (n) => {
    if (n.type === type) out.push(n);
  });
  return out;
}

export const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

export function unescape(text: string): string {
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
export function stringText(node: Node): string {
  return named(node)
    .map((c) =>
      c.type === 'escape_sequence' ? unescape(c.text) : c.type === 'string_content' ? c.text : '${…}',
    )
    .join('');
}

export function unwrap(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression' && named(n).length === 1) n = named(n)[0]!;
  return n;
}

export interface Property {
  key: string | undefined;
  keyNode: Node;
  value: Node;
}

/** Properties of an object literal (keys that are identifiers or plain strings). */
export function properties(obj: Node): Property[] {
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

export function property(obj: Node, key: string): Node | undefined {
  return properties(obj).find((p) => p.key === key)?.value;
}

export interface Declaration {
  kind: 'param' | 'var';
  name: string;
  node: Node;
  /** Default (param) or value (var). */
  value: Node | undefined;
  decorators: Node[];
}

export function declarations(file: BicepFile): Map<string, Declaration> {
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

export function decoratorName(dec: Node): string | undefined {
  const call = named(dec)[0];
  if (!call) return undefined;
  if (call.type === 'call_expression') return call.childForFieldName('function')?.text;
  return call.text;
}

/** Body object of a resource/module declaration (through `if (…)` and `for` forms). */
export function bodyObject(decl: Node): Node | undefined {
  for (const c of named(decl)) {
    if (c.type === 'object') return c;
    if (c.type === 'if_statement' || c.type === 'for_statement') {
      const inner = named(c).find((x) => x.type === 'object');
      if (inner) return inner;
    }
  }
  return undefined;
}
