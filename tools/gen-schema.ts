/**
 * Writes docs/schema/normalized-event.v1.json from the zod schema. The repository runs TypeScript
 * only through tsc and vitest, so the way to run it is the schema test:
 *   UPDATE_SCHEMA=1 npx vitest run test/unit/processor/schema.test.ts
 * Without UPDATE_SCHEMA the same test fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizedEventJsonSchema } from '../shared/schema/normalized-event.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../docs/schema/normalized-event.v1.json', import.meta.url));

/** The file content exactly as committed: two-space JSON with a trailing newline. */
export function renderSchemaFile(): string {
  return `${JSON.stringify(normalizedEventJsonSchema(), null, 2)}\n`;
}

export function readCommittedSchema(): string | undefined {
  try {
    return readFileSync(SCHEMA_FILE, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function writeSchemaFile(): string {
  writeFileSync(SCHEMA_FILE, renderSchemaFile());
  return SCHEMA_FILE;
}
