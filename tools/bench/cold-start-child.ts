/**
 * A fresh process loading the functions the way the host does: package.json `main` (a file or a
 * glob, expanded relative to the app root as the worker's globby does), every match imported in
 * order. Prints the time the imports took, the time since the process started, and (with `count`)
 * every module loaded.
 *
 *   cold-start-child.js <root> <main pattern> [count]
 *   cold-start-child.js --dep <package>
 */
import { globSync, statSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

if (process.argv[2] === '--dep') {
  // One production dependency alone, to attribute the entry modules' load time.
  const t = performance.now();
  await import(process.argv[3] ?? '');
  process.stdout.write(`${JSON.stringify({ importMs: performance.now() - t })}\n`);
  process.exit(0);
}

const loaded = new Set<string>();
if (process.argv[4] === 'count') {
  // Counting costs time, so timing runs don't count.
  module.registerHooks({
    load(url, context, nextLoad) {
      loaded.add(url);
      return nextLoad(url, context);
    },
  });
}
const root = process.argv[2] ?? '';
const files = globSync(process.argv[3] ?? '', { cwd: root })
  .sort()
  .map((f) => path.resolve(root, f));
if (files.length === 0) throw new Error(`no file matches ${process.argv[3]} in ${root}`);
// Outside the host, @azure/functions warns once per registration; the host itself would not.
console.warn = () => undefined;
const t0 = performance.now();
for (const f of files) await import(pathToFileURL(f).href);
const importMs = performance.now() - t0;
const sinceStartMs = performance.now();

const byPackage = new Map<string, { modules: number; bytes: number }>();
let moduleBytes = 0;
let files_ = 0;
let builtins = 0;
let dependencyModules = 0;
for (const url of loaded) {
  if (!url.startsWith('file:')) {
    builtins += 1;
    continue;
  }
  const p = fileURLToPath(url);
  files_ += 1;
  const size = statSync(p).size;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(p)?.[1] ?? '(app)';
  if (pkg !== '(app)') dependencyModules += 1;
  const agg = byPackage.get(pkg) ?? { modules: 0, bytes: 0 };
  agg.modules += 1;
  agg.bytes += size;
  byPackage.set(pkg, agg);
  moduleBytes += size;
}
const topPackages = [...byPackage.entries()]
  .sort((a, b) => b[1].modules - a[1].modules)
  .slice(0, 12)
  .map(([name, v]) => ({ name, ...v }));
process.stdout.write(
  `${JSON.stringify({ entries: files.length, importMs, sinceStartMs, modules: files_, dependencyModules, builtins, moduleBytes, topPackages })}\n`,
);
