#!/usr/bin/env node
// Entry of the `o365-pipeline` CLI. Runs on the project's Node 22 (node_modules/.bin/node) when
// started from an older Node, and compiles the TypeScript first when dist/ is missing or stale.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
const node22 = path.join(root, 'node_modules', '.bin', 'node');
if (major < 22 && existsSync(node22)) {
  const child = spawn(node22, process.argv.slice(1), { stdio: 'inherit' });
  // The runner stops cleanly on a signal: this wrapper waits for it instead of exiting first.
  // Ctrl-C reaches the child from the terminal (same process group); SIGTERM is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const main = path.join(root, 'dist', 'tools', 'cli', 'main.js');
const sources = ['functions', 'shared', 'tools'].map((d) => path.join(root, d)).filter(existsSync);
const stale = !existsSync(main) || Math.max(...sources.map(newestSource)) > statSync(main).mtimeMs;
if (stale && existsSync(path.join(root, 'node_modules', 'typescript'))) {
  process.stderr.write('o365-pipeline: compiling TypeScript...\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { main: run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
