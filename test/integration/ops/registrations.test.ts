/**
 * What every function file declares to the Functions host, captured from the real `app.http`,
 * `app.timer` and `app.storageQueue` calls at import (the package's test mode drops them): every
 * HTTP route is `function`-level except the consent redirect (a browser arrives there from Entra
 * ID without a key), and the route table is the README's HTTP routes.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import azureFunctions from '@azure/functions';
import type { HttpFunctionOptions } from '@azure/functions';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const FUNCTIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../functions');

describe('function registrations', () => {
  const http = new Map<string, HttpFunctionOptions>();
  const other: string[] = [];

  beforeAll(async () => {
    vi.spyOn(azureFunctions.app, 'http').mockImplementation((name, options) => {
      http.set(name, options);
    });
    vi.spyOn(azureFunctions.app, 'timer').mockImplementation((name) => {
      other.push(name);
    });
    vi.spyOn(azureFunctions.app, 'storageQueue').mockImplementation((name) => {
      other.push(name);
    });
    const files = readdirSync(FUNCTIONS_DIR).filter((f) => f.endsWith('.ts') && !f.startsWith('_'));
    for (const f of files) await import(pathToFileURL(path.join(FUNCTIONS_DIR, f)).href);
    vi.restoreAllMocks();
  });

  it('declares the documented HTTP routes and methods', () => {
    const table = [...http.values()].map((o) => `${(o.methods ?? []).join(',')} /api/${o.route}`).sort();
    expect(table).toEqual(
      [
        'GET /api/health',
        'POST /api/ping',
        'GET /api/subscriptions',
        'POST /api/subscriptions/{contentType}/start',
        'POST /api/subscriptions/{contentType}/stop',
        'GET /api/content',
        'GET /api/status',
        'POST /api/poison/replay',
        'POST /api/notifications',
        'GET /api/tenants',
        'POST /api/tenants/{tenantId}',
        'DELETE /api/tenants/{tenantId}',
        'POST /api/tenants/{tenantId}/disable',
        'POST /api/tenants/{tenantId}/enable',
        'GET /api/consent',
      ].sort(),
    );
  });

  it('declares auth level function on every HTTP route but the consent redirect, which is anonymous', () => {
    expect(http.size).toBeGreaterThan(0);
    for (const [name, o] of http)
      expect({ name, authLevel: o.authLevel }).toEqual({
        name,
        authLevel: o.route === 'consent' ? 'anonymous' : 'function',
      });
    expect(http.get('consent')).toMatchObject({ route: 'consent', methods: ['GET'], authLevel: 'anonymous' });
  });

  it('also registers the timer and queue functions', () => {
    expect(other.sort()).toEqual(['enumerateContent', 'processContent']);
  });
});
