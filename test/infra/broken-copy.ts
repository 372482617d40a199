/**
 * Deliberately broken copies of infra/ for the check tests: the real files are copied to a temp dir
 * and edited there, so no broken Bicep is ever committed.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

export const INFRA = path.resolve(import.meta.dirname, '../../infra');

export interface Edit {
  /** Path relative to infra/. */
  file: string;
  from: string | RegExp;
  to: string;
}

export interface BrokenCopies {
  /** Copies infra/ and applies the edits; every edit must change its file. Returns the copy's infra dir. */
  make(...edits: Edit[]): Promise<string>;
  cleanup(): Promise<void>;
}

export async function brokenCopies(): Promise<BrokenCopies> {
  const root = await mkdtemp(path.join(tmpdir(), 'bicep-check-'));
  let counter = 0;
  return {
    async make(...edits) {
      const dir = path.join(root, `case-${++counter}`, 'infra');
      await cp(INFRA, dir, { recursive: true });
      for (const e of edits) {
        const file = path.join(dir, e.file);
        const before = await readFile(file, 'utf8');
        const after = before.replace(e.from, e.to);
        expect(after, `edit of ${e.file} did not apply: ${String(e.from)}`).not.toBe(before);
        await writeFile(file, after);
      }
      return dir;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** 1-based line of the first line containing `needle`. */
export async function lineOf(file: string, needle: string): Promise<number> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  expect(i, `${needle} not found in ${file}`).toBeGreaterThanOrEqual(0);
  return i + 1;
}
