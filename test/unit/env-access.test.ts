/**
 * shared/config.ts is the only reader of `process.env` among the code that runs in Azure (shared/ and
 * functions/): every other module takes settings from it, validated. tools/ (CLI, local runner,
 * bench, chaos) are entry points: they may read the environment and hand it to the config module.
 * Read from the syntax tree, so comments and strings do not count and `process['env']` does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOTS = ['shared', 'functions'];
const CONFIG_MODULE = 'shared/config.ts';

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.posix.join(dir, e.name);
    if (e.isDirectory()) return typescriptFiles(p);
    return e.isFile() && p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** `line: text` of each read of the process environment in `source`. */
export function envReads(fileName: string, source: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const isProcess = (n: ts.Node) => ts.isIdentifier(n) && n.text === 'process';
  const visit = (n: ts.Node): void => {
    const hit =
      (ts.isPropertyAccessExpression(n) && isProcess(n.expression) && n.name.text === 'env') ||
      (ts.isElementAccessExpression(n) &&
        isProcess(n.expression) &&
        ts.isStringLiteralLike(n.argumentExpression) &&
        n.argumentExpression.text === 'env') ||
      // const { env } = process
      (ts.isVariableDeclaration(n) &&
        n.initializer !== undefined &&
        isProcess(n.initializer) &&
        ts.isObjectBindingPattern(n.name));
    if (hit) {
      const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
      out.push(`${line}: ${n.getText(sf)}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('process.env is read by the config module only', () => {
  it('finds every form of read (the scanner itself)', () => {
    const source = [
      '// process.env.IN_A_COMMENT',
      "const s = 'process.env.IN_A_STRING';",
      'const a = process.env.A;',
      "const b = process['env'];",
      'const { env } = process;',
      'function f(e = process.env) { return e; }',
    ].join('\n');
    expect(envReads('x.ts', source)).toEqual([
      '3: process.env',
      "4: process['env']",
      '5: { env } = process',
      '6: process.env',
    ]);
  });

  it('holds for shared/ and functions/', () => {
    const files = ROOTS.flatMap((r) => typescriptFiles(r));
    expect(files).toContain(CONFIG_MODULE);
    expect(files).toContain('functions/_runtime.ts');
    const readers = Object.fromEntries(
      files
        .map((f) => [f, envReads(f, readFileSync(f, 'utf8'))] as const)
        .filter(([f, reads]) => f !== CONFIG_MODULE && reads.length > 0),
    );
    expect(readers).toEqual({});
  });

  it('sees the reads in the config module', () => {
    expect(envReads(CONFIG_MODULE, readFileSync(CONFIG_MODULE, 'utf8')).length).toBeGreaterThan(0);
  });
});
