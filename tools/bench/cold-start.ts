/**
 * Cold start: fresh Node processes importing what package.json `main` points at (as the host does:
 * the bundle, tools/build/bundle.ts), the same for the unbundled entry modules `dist/functions/*.js`
 * side by side, and the dependency footprint — modules loaded, their bytes, and the installed
 * production packages.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, runJsonChild } from './harness.js';
import { median } from './stats.js';

interface ChildResult {
  entries: number;
  importMs: number;
  sinceStartMs: number;
  modules: number;
  dependencyModules: number;
  builtins: number;
  moduleBytes: number;
  topPackages?: Array<{ name: string; modules: number; bytes: number }>;
}

/** The functions' entry modules as tsc emits them: what `main` pointed at before the bundle. */
export const UNBUNDLED_MAIN = 'dist/functions/*.js';

export interface ColdStartResult {
  runs: number;
  /** package.json `main`, the pattern the host loads. */
  main: string;
  importMs: number[];
  sinceStartMs: number[];
  processWallMs: number[];
  medianImportMs: number;
  medianSinceStartMs: number;
  medianProcessWallMs: number;
  /** A bare `node -e ''` in the same run: what Node itself costs. */
  medianBareNodeMs: number;
  entries: number;
  modules: number;
  dependencyModules: number;
  builtins: number;
  moduleBytes: number;
  topPackages: Array<{ name: string; modules: number; bytes: number }>;
  prodPackages: number;
  prodBytes: number;
  /** Median import time of each direct production dependency alone, in a fresh process. */
  dependencyImportMs: Record<string, number>;
  /** The unbundled entry modules, measured in the same runs (absent when `main` is them). */
  unbundled?: {
    importMs: number[];
    medianImportMs: number;
    entries: number;
    modules: number;
    dependencyModules: number;
    builtins: number;
    moduleBytes: number;
    topPackages: Array<{ name: string; modules: number; bytes: number }>;
  };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue; // nested packages are listed on their own
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Installed production dependencies (transitively), as `npm ls --omit=dev` sees them. */
function productionFootprint(root: string): { packages: number; bytes: number } {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const dirs = [...new Set(out.split('\n').filter((l) => l.includes(`${path.sep}node_modules${path.sep}`)))];
  return { packages: dirs.length, bytes: dirs.reduce((n, d) => n + dirBytes(d), 0) };
}

export async function benchColdStart(o: { runs: number; root: string }): Promise<ColdStartResult> {
  const script = path.join(BENCH_DIR, 'cold-start-child.js');
  const pkg = JSON.parse(readFileSync(path.join(o.root, 'package.json'), 'utf8')) as {
    main?: string;
    dependencies?: Record<string, string>;
  };
  const main = pkg.main ?? 'index.js';
  const compare = main !== UNBUNDLED_MAIN;
  // No app settings: the entry modules must load without them (the runtime is built lazily).
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const child = async (pattern: string, count = false) => {
    const args = [o.root, pattern, ...(count ? ['count'] : [])];
    // dist/ is shared with whoever else builds right now: one retry covers a half-written file.
    let r = await runJsonChild<ChildResult>(script, args, { env });
    if (!r.result) r = await runJsonChild<ChildResult>(script, args, { env });
    if (!r.result)
      throw new Error(`cold start child (${pattern}${count ? ', count' : ''}) failed: ${r.error}`);
    return { result: r.result, wallMs: r.wallMs };
  };
  const importMs: number[] = [];
  const sinceStartMs: number[] = [];
  const processWallMs: number[] = [];
  const unbundledMs: number[] = [];
  const bare: number[] = [];
  let entries = 0;
  let unbundledEntries = 0;
  for (let i = 0; i < o.runs; i++) {
    // Interleaved, so both see the same machine load.
    const r = await child(main);
    entries = r.result.entries;
    importMs.push(r.result.importMs);
    sinceStartMs.push(r.result.sinceStartMs);
    processWallMs.push(r.wallMs);
    if (compare) {
      const u = await child(UNBUNDLED_MAIN);
      unbundledEntries = u.result.entries;
      unbundledMs.push(u.result.importMs);
    }
    const b = await runJsonChild<number>('-e', ['process.stdout.write("0\\n")'], { env });
    bare.push(b.wallMs);
  }
  const counted = (await child(main, true)).result;
  const unbundledCounted = compare ? (await child(UNBUNDLED_MAIN, true)).result : undefined;
  const prod = productionFootprint(o.root);
  const dependencyImportMs: Record<string, number> = {};
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const times: number[] = [];
    for (let i = 0; i < Math.min(5, o.runs); i++) {
      const r = await runJsonChild<{ importMs: number }>(script, ['--dep', dep], { env });
      if (r.result) times.push(r.result.importMs);
    }
    dependencyImportMs[dep] = median(times);
  }
  return {
    runs: o.runs,
    main,
    importMs,
    sinceStartMs,
    processWallMs,
    medianImportMs: median(importMs),
    medianSinceStartMs: median(sinceStartMs),
    medianProcessWallMs: median(processWallMs),
    medianBareNodeMs: median(bare),
    entries,
    modules: counted.modules,
    dependencyModules: counted.dependencyModules,
    builtins: counted.builtins,
    moduleBytes: counted.moduleBytes,
    topPackages: counted.topPackages ?? [],
    prodPackages: prod.packages,
    prodBytes: prod.bytes,
    dependencyImportMs,
    ...(unbundledCounted
      ? {
          unbundled: {
            importMs: unbundledMs,
            medianImportMs: median(unbundledMs),
            entries: unbundledEntries,
            modules: unbundledCounted.modules,
            dependencyModules: unbundledCounted.dependencyModules,
            builtins: unbundledCounted.builtins,
            moduleBytes: unbundledCounted.moduleBytes,
            topPackages: unbundledCounted.topPackages ?? [],
          },
        }
      : {}),
  };
}
