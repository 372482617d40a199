/**
 * The ledger's recent problems against real Azurite: only failed and expired rows of the range,
 * the most recently updated first, at most the limit, each with its error text.
 */
import { describe, expect, it } from 'vitest';
import { tableContentLedger } from '../../shared/storage/ledger.js';
import type { LedgerState } from '../../shared/storage/types.js';
import { testStorage, uniqueName } from '../helpers/storage.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const HOUR = 3_600_000;

describe('ledger recentProblems', () => {
  it('returns the newest failed or expired rows of the range with their error text', async () => {
    const table = testStorage().table(uniqueName('ledger'));
    await table.createTable();
    const ledger = tableContentLedger(table);
    const states: LedgerState[] = ['failed', 'expired', 'done', 'enqueued'];
    for (let i = 0; i < 40; i++) {
      const created = new Date(NOW - (i % 10) * 7 * HOUR);
      await ledger.recordOutcome({
        tenantId: TENANT,
        contentType: 'Audit.Exchange',
        contentId: `c-${i}`,
        contentUri: `https://manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/c-${i}`,
        contentCreated: created.toISOString(),
        contentExpiration: new Date(created.getTime() + 7 * 24 * HOUR).toISOString(),
        state: states[i % 4]!,
        attempts: 1,
        // Updated in an order unrelated to creation.
        updatedAt: new Date(NOW + ((i * 17) % 40) * 60_000).toISOString(),
        lastError: `reason ${i} ${'x'.repeat(1500)}`,
      });
    }
    const from = new Date(NOW - 16 * 24 * HOUR);
    const to = new Date(NOW + 24 * HOUR);
    const got = await ledger.recentProblems(TENANT, 'Audit.Exchange', from, to, 5);

    const expected = Array.from({ length: 40 }, (_, i) => i)
      .filter((i) => i % 4 < 2)
      .sort((a, b) => ((b * 17) % 40) - ((a * 17) % 40))
      .slice(0, 5);
    expect(got.map((p) => p.contentId)).toEqual(expected.map((i) => `c-${i}`));
    for (const p of got) {
      const i = Number(p.contentId.slice(2));
      expect(p.state).toBe(states[i % 4]);
      expect(p.lastError).toBe(`reason ${i} ${'x'.repeat(1500)}`);
    }
    expect(await ledger.recentProblems(TENANT, 'Audit.Exchange', from, to, 0)).toEqual([]);
    expect(await ledger.recentProblems(TENANT, 'Audit.SharePoint', from, to, 5)).toEqual([]);
  });
});
