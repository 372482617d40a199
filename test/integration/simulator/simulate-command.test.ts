/** `o365-pipeline simulate`: argument parsing, the printed settings, serving until stopped. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError, type CliIo } from '../../../tools/cli/command.js';
import { createSimulateCommand, parseSimulateArgs } from '../../../tools/cli/commands/simulate.js';
import { Agent, fetch } from 'undici';

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (t) => lines.push(t),
    err: (t) => errors.push(t),
    env: {},
    cwd: process.cwd(),
  };
}

describe('simulate command', () => {
  it('parses its options', () => {
    expect(
      parseSimulateArgs([
        '--port',
        '0',
        '--seed',
        '5',
        '--scenario',
        'flaky',
        '--tenants',
        '2',
        '--events-per-hour',
        '100',
        '--hours',
        '48',
        '--json',
      ]),
    ).toEqual({
      options: { port: 0, seed: 5, scenario: 'flaky', tenants: 2, eventsPerHour: 100, hours: 48 },
      json: true,
    });
    expect(parseSimulateArgs([])).toEqual({ options: {}, json: false });
    expect(parseSimulateArgs(['--content-expiration-minutes', '90']).options).toEqual({
      contentExpirationMs: 90 * 60_000,
    });
  });

  it('refuses bad arguments with a UsageError', () => {
    expect(() => parseSimulateArgs(['--scenario', 'storm'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['--hours', '500'])).toThrow(/--hours must be an integer from 0 to 168/);
    expect(() => parseSimulateArgs(['--port', 'abc'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['--content-expiration-minutes', '0'])).toThrow(
      /--content-expiration-minutes must be an integer from 1 to 43200/,
    );
    expect(() => parseSimulateArgs(['--bogus'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['extra'])).toThrow(UsageError);
  });

  it('prints the six settings as JSON on the first line and serves until stopped', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let announce!: () => void;
    const announced = new Promise<void>((resolve) => (announce = resolve));
    const command = createSimulateCommand(() => {
      announce();
      return stopped;
    });
    const out = io();
    const exit = command.run(['--json', '--seed', '3', '--hours', '2', '--events-per-hour', '10'], out);
    await announced;
    const settings = JSON.parse(out.lines[0]!);
    expect(Object.keys(settings).sort()).toEqual([
      'apiRoot',
      'caPath',
      'clientId',
      'clientSecret',
      'loginAuthority',
      'tenantId',
    ]);
    expect(settings.apiRoot).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(settings.caPath, 'utf8');
    const dispatcher = new Agent({ connect: { ca } });
    try {
      const res = await fetch(`${settings.loginAuthority}/${settings.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          scope: `${settings.apiRoot}/.default`,
        }),
        dispatcher,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { token_type: string }).token_type).toBe('Bearer');
    } finally {
      await dispatcher.close();
    }
    stop();
    await expect(exit).resolves.toBe(0);
    expect(existsSync(settings.caPath)).toBe(false);
  });

  it('prints readable settings without --json', async () => {
    const command = createSimulateCommand(() => Promise.resolve());
    const out = io();
    await expect(command.run(['--hours', '1', '--tenants', '2'], out)).resolves.toBe(0);
    expect(out.lines[0]).toMatch(/^apiRoot\s+https:\/\/127\.0\.0\.1:\d+$/);
    expect(out.lines.some((l) => l.startsWith('tenant '))).toBe(true);
    expect(out.lines.some((l) => l.includes('NODE_EXTRA_CA_CERTS='))).toBe(true);
  });
});
