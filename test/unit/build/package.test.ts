/**
 * The deployment package (tools/build/package.ts) and the .funcignore allowlist: only host.json, a
 * package.json without dependencies, and the bundle's .js files are deployed, never sources, tests,
 * node_modules, .git, local settings or source maps.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_MAIN, ROOT } from '../../../tools/build/bundle.js';
import { writeDeploymentPackage } from '../../../tools/build/package.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A project tree like this one after `npm run build`, with everything that must stay out. */
function fakeProject(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pkg-'));
  dirs.push(root);
  const files: Record<string, string> = {
    'host.json': '{"version":"2.0"}',
    'package.json': JSON.stringify({
      name: 'o365-audit-pipeline',
      version: '0.1.0',
      type: 'module',
      main: BUNDLE_MAIN,
      scripts: { build: 'tsc' },
      dependencies: { zod: '4.6.7' },
      devDependencies: { vitest: '5.1.1' },
    }),
    'dist/bundle/main.js': 'export {};',
    'dist/bundle/chunk-ABC.js': 'export {};',
    'dist/bundle/main.js.map': '{}',
    'dist/functions/enumerate.js': '',
    'dist/tools/cli/main.js': '',
    'functions/enumerate.ts': '',
    'shared/config.ts': '',
    'test/unit/a.test.ts': '',
    'tools/build/bundle.ts': '',
    'infra/main.bicep': '',
    'node_modules/vitest/package.json': '{}',
    'node_modules/zod/package.json': '{}',
    'local.settings.json': '{"Values":{"O365_CLIENT_SECRET":"x"}}',
    '.git/HEAD': 'ref: refs/heads/main',
    '.azurite/__blobstorage__/x': '',
    'README.md': '',
  };
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), body);
  }
  return root;
}

const DEPLOYED = ['dist/bundle/chunk-ABC.js', 'dist/bundle/main.js', 'host.json', 'package.json'];

describe('the deployment package folder', () => {
  it('holds host.json, a package.json without dependencies or scripts, and the bundle .js files only', () => {
    const root = fakeProject();
    const r = writeDeploymentPackage({ root, outdir: path.join(root, 'dist/package') });
    expect(r.files.map((f) => f.file)).toEqual(DEPLOYED);
    const pkg = JSON.parse(readFileSync(path.join(r.dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toEqual({ name: 'o365-audit-pipeline', version: '0.1.0', type: 'module', main: BUNDLE_MAIN });
    expect(r.bytes).toBe(r.files.reduce((n, f) => n + f.bytes, 0));
  });

  it('refuses to write a package without the bundle', () => {
    const root = fakeProject();
    rmSync(path.join(root, BUNDLE_MAIN));
    expect(() => writeDeploymentPackage({ root, outdir: path.join(root, 'out') })).toThrow(
      `package: ${BUNDLE_MAIN} is missing`,
    );
  });
});

describe('.funcignore (a deployment from the project root)', () => {
  it('lets through exactly the package files (gitignore semantics, as Core Tools reads it)', () => {
    const root = fakeProject();
    copyFileSync(path.join(ROOT, '.funcignore'), path.join(root, '.gitignore'));
    rmSync(path.join(root, '.git'), { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: root });
    const listed = execFileSync('git', ['ls-files', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(listed).toEqual(DEPLOYED);
  });
});
