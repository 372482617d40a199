/**
 * The second step of `npm run build`: every functions entry module (`functions/*.ts`) and what it
 * imports, dependencies included, bundled by esbuild into `dist/bundle/main.js`, which package.json
 * `main` points at. The Functions host imports `main` at every cold start; unbundled, that import
 * resolved, read and compiled ~890 files one by one (~600 ms, almost all of it in Node's module
 * loader, not in the packages' own code), bundled it is one file plus one shared chunk (~200 ms).
 *
 * Code loaded only on some paths stays out of the start-up files as lazily imported chunks:
 * `@azure/identity` (identity-based storage connections and the federated credential), and what
 * the SDKs themselves import dynamically.
 *
 * tsc still compiles everything to dist/ (CLI, local runner, benchmarks, tests use it); this step
 * only adds dist/bundle/. `node dist/tools/build/bundle.js` rebuilds it alone.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The project root: the nearest package.json above this file (run from tools/ or from dist/tools/). */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
/** Where package.json `main` points, relative to the root. */
export const BUNDLE_MAIN = 'dist/bundle/main.js';

export interface BundleResult {
  /** Absolute path of the entry file (`main`). */
  main: string;
  /** Every .js file written, relative to the root, with its size. */
  files: Array<{ file: string; bytes: number }>;
  /** Entry modules bundled, relative to the root. */
  entries: string[];
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`bundle: no package.json above ${start}`);
  }
}

/** The functions entry modules, as the former `main` glob `dist/functions/*.js` matched them. */
export function functionEntries(root: string = ROOT): string[] {
  return readdirSync(path.join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => `functions/${f}`);
}

export async function bundleFunctions(
  options: { root?: string; outdir?: string } = {},
): Promise<BundleResult> {
  const root = options.root ?? ROOT;
  const outdir = options.outdir ?? path.join(root, path.dirname(BUNDLE_MAIN));
  const entries = functionEntries(root);
  // Chunk names carry hashes, so old chunks would pile up: write beside, then swap in.
  const staging = `${outdir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    // One entry importing every function module in the glob's order: registration order and
    // module evaluation order are the ones the host saw with the glob.
    stdin: {
      contents: entries.map((e) => `import './${e}';`).join('\n'),
      resolveDir: root,
      sourcefile: 'main.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    outdir: staging,
    entryNames: path.basename(BUNDLE_MAIN, '.js'),
    sourcemap: 'linked',
    // Provided by the Node.js worker at run time (it intercepts `require('@azure/functions-core')`);
    // outside the host the require fails and @azure/functions switches to test mode, as before.
    external: ['@azure/functions-core'],
    // CommonJS dependencies inside an ES module bundle still call `require` (Node built-ins and
    // @azure/functions-core); this one resolves through Module.prototype.require, which is what
    // the worker intercepts.
    banner: {
      js: "import { createRequire as __bundleCreateRequire } from 'node:module';\nconst require = __bundleCreateRequire(import.meta.url);",
    },
    absWorkingDir: root,
    metafile: true,
    logLevel: 'warning',
  });
  rmSync(outdir, { recursive: true, force: true });
  renameSync(staging, outdir);
  const files = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, out]) => ({
      file: path.relative(root, path.join(outdir, path.relative(staging, path.resolve(root, file)))),
      bytes: out.bytes,
    }));
  const main = path.join(outdir, path.basename(BUNDLE_MAIN));
  if (!existsSync(main)) throw new Error(`bundle: ${main} was not written`);
  return { main, files, entries };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await bundleFunctions();
  const total = r.files.reduce((n, f) => n + f.bytes, 0);
  process.stderr.write(
    `bundle: ${r.entries.length} entry modules -> ${path.relative(ROOT, r.main)} (${r.files.length} files, ${(total / 2 ** 20).toFixed(1)} MB)\n`,
  );
}
