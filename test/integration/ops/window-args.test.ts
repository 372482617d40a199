/**
 * Product bug (uncommitted, reported): an invalid endTime without a startTime is blamed on
 * startTime ("startTime 'null' is not a date"), in GET /api/content and in `content list`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContentHandler } from '../../../functions/content.js';
import { main } from '../../../tools/cli/main.js';
import { startSimulator, type RunningSimulator } from '../../../tools/simulator/index.js';
import { context, request, simEnv, simRuntime } from './harness.js';

describe('window arguments', () => {
  let sim: RunningSimulator;
  let cwd: string;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 2, hours: 2 });
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-window-'));
  });
  afterAll(async () => {
    await sim?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('GET /api/content?endTime=soon names endTime', async () => {
    const rt = await simRuntime(sim, simEnv(sim));
    const r = await makeContentHandler(() => rt)(
      request({ method: 'GET', route: 'content', query: { contentType: 'DLP.All', endTime: 'soon' } }),
      context().ctx,
    );
    expect(r.status).toBe(400);
    expect((r.jsonBody as { error: string }).error).toContain("endTime 'soon' is not a date");
  });

  it('content list --end soon names endTime', async () => {
    const err: string[] = [];
    const code = await main(['content', 'list', '--content-type', 'DLP.All', '--end', 'soon'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: simEnv(sim),
      cwd,
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain("endTime 'soon' is not a date");
  });
});
