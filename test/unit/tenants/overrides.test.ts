import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors.js';
import { tenantSettings } from '../../../shared/tenants/overrides.js';
import { parseTenantId } from '../../../shared/tenants/tenant-id.js';

const config = {
  contentTypes: ['Audit.Exchange', 'Audit.General'] as const,
  filter: { operations: ['A'], statuses: [], policies: ['P'], mode: 'exclude' as const },
};

describe('per-tenant overrides', () => {
  it('without a record or overrides, the settings apply', () => {
    expect(tenantSettings(config)).toEqual(config);
    expect(tenantSettings(config, {})).toEqual(config);
  });

  it('each override present replaces its setting alone; an empty list is an override too', () => {
    expect(
      tenantSettings(config, { contentTypes: ['DLP.All'], filter: { statuses: [], mode: 'include' } }),
    ).toEqual({
      contentTypes: ['DLP.All'],
      filter: { operations: ['A'], statuses: [], policies: ['P'], mode: 'include' },
    });
    expect(tenantSettings(config, { filter: { policies: [] } }).filter.policies).toEqual([]);
  });
});

describe('tenant ids', () => {
  it('are trimmed and lower-cased', () => {
    expect(parseTenantId(' 0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9 ')).toBe(
      '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
    );
  });

  it('refuses anything but a GUID, showing the value and the accepted form', () => {
    for (const bad of [
      undefined,
      '',
      'contoso.onmicrosoft.com',
      '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f',
      '{0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9}',
    ]) {
      const err = (() => {
        try {
          parseTenantId(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain(`${JSON.stringify(bad ?? '')} is not a GUID`);
      expect((err as Error).message).toContain('xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
    }
  });
});
