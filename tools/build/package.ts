/**
 * The third step of `npm run build`: the deployment package, a folder holding only what the
 * Functions host loads: host.json, a package.json without dependencies or scripts (the bundle
 * carries every dependency; without a dependency list a remote build has nothing to install), and
 * the bundle's .js files. Source maps are left out (the host does not run Node with
 * --enable-source-maps); sources, tests, tools, node_modules and .git never get in.
 *
 * azd packages this folder (azure.yaml `dist`); the CLI zips it (docs/deploy.md, "Deploy the code").
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_MAIN, ROOT } from './bundle.js';

/** Where the package folder is written, relative to the root. */
export const PACKAGE_DIR = 'dist/package';

/** The package.json fields the host reads (`main`, `type`) and the ones that name the app. */
const KEPT_FIELDS = ['name', 'version', 'description', 'license', 'private', 'type', 'main', 'engines'];

export interface PackageResult {
  dir: string;
  /** Every file written, relative to the package folder, sorted, with its size. */
  files: Array<{ file: string; bytes: number }>;
  bytes: number;
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

export function writeDeploymentPackage(options: { root?: string; outdir?: string } = {}): PackageResult {
  const root = options.root ?? ROOT;
  const dir = options.outdir ?? path.join(root, PACKAGE_DIR);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  if (pkg.main !== BUNDLE_MAIN)
    throw new Error(`package: package.json main is ${String(pkg.main)}, expected ${BUNDLE_MAIN}`);
  const bundleDir = path.join(root, path.dirname(BUNDLE_MAIN));
  const bundleFiles = listFiles(bundleDir).filter((f) => f.endsWith('.js'));
  if (!bundleFiles.includes(path.basename(BUNDLE_MAIN)))
    throw new Error(`package: ${BUNDLE_MAIN} is missing; run the bundle step first`);

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(root, 'host.json'), path.join(dir, 'host.json'));
  const minimal = Object.fromEntries(KEPT_FIELDS.filter((k) => k in pkg).map((k) => [k, pkg[k]]));
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(minimal, null, 2)}\n`);
  for (const f of bundleFiles) {
    const target = path.join(dir, path.dirname(BUNDLE_MAIN), f);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(bundleDir, f), target);
  }
  const files = listFiles(dir)
    .sort()
    .map((file) => ({ file: file.split(path.sep).join('/'), bytes: statSync(path.join(dir, file)).size }));
  return { dir, files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = writeDeploymentPackage();
  process.stderr.write(
    `package: ${path.relative(ROOT, r.dir)} (${r.files.length} files, ${(r.bytes / 2 ** 20).toFixed(2)} MB)\n`,
  );
}
