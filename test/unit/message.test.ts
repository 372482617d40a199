import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { parseContentMessage } from '../../shared/processor/message.js';

const good = {
  v: 1,
  tenantId: '3f2b6c1e-8d4a-4e5f-9a7b-1c2d3e4f5a6b',
  contentType: 'Audit.Exchange',
  contentId: '20261120100000$20261120100000$audit_exchange$Audit_Exchange$na0017',
  contentUri: 'https://manage.office.com/api/v1.0/3f2b6c1e-8d4a-4e5f-9a7b-1c2d3e4f5a6b/activity/feed/audit/x',
  contentCreated: '2026-11-20T10:00:00.000Z',
  contentExpiration: '2026-11-27T10:00:00.000Z',
  listedAt: '2026-11-20T10:05:00.000Z',
};

describe('parseContentMessage', () => {
  it('accepts the ARCHITECTURE format as an object (host-parsed), a JSON string, or a Buffer', () => {
    expect(parseContentMessage(good)).toEqual(good);
    expect(parseContentMessage(JSON.stringify(good))).toEqual(good);
    expect(parseContentMessage(Buffer.from(JSON.stringify(good)))).toEqual(good);
  });

  it.each([
    ['empty', '', 'empty'],
    ['not JSON', '{"v":1', 'not JSON'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['null', null, 'not a JSON object'],
    ['a number', 42, 'not a JSON object'],
    ['wrong version', { ...good, v: 2 }, 'version'],
    ['unknown content type', { ...good, contentType: 'Audit.Teams' }, 'contentType'],
    ['missing contentUri', { ...good, contentUri: undefined }, 'contentUri'],
    ['bad date', { ...good, contentCreated: 'yesterday' }, 'contentCreated'],
    ['extra field', { ...good, token: 'x' }, 'token'],
    ['bad tenant', { ...good, tenantId: 'contoso.onmicrosoft.com' }, 'tenantId'],
  ])('refuses %s with a reason, as a permanent error', (_n, payload, fragment) => {
    let error: unknown;
    try {
      parseContentMessage(payload);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).retryable).toBe(false);
    expect((error as Error).message).toContain(fragment);
  });
});
