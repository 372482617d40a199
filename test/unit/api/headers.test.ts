import { describe, expect, it } from 'vitest';
import { nextPageUri, retryAfterMs, serverDate } from '../../../shared/api/headers.js';
import { formatApiTime, withPublisherIdentifier } from '../../../shared/api/urls.js';

describe('response headers', () => {
  it('reads NextPageUri in any casing, and NextPageUrl', () => {
    expect(nextPageUri(new Headers({ nextpageuri: 'https://h/a' }))).toBe('https://h/a');
    expect(nextPageUri(new Headers({ NEXTPAGEURI: ' https://h/b ' }))).toBe('https://h/b');
    expect(nextPageUri(new Headers({ NextPageUrl: 'https://h/c' }))).toBe('https://h/c');
    expect(nextPageUri(new Headers({ NextPageUri: '' }))).toBeUndefined();
    expect(nextPageUri(new Headers())).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Sat, 10 Jan 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Sat, 10 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('-1', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('reads the Date header', () => {
    expect(serverDate(new Headers({ date: 'Sat, 10 Jan 2026 12:00:10 GMT' }))?.toISOString()).toBe(
      '2026-01-10T12:00:10.000Z',
    );
    expect(serverDate(new Headers({ date: 'garbage' }))).toBeUndefined();
  });
});

describe('URL building', () => {
  const pid = '11111111-2222-3333-4444-555555555555';
  it('appends PublisherIdentifier with ? or & as needed', () => {
    expect(withPublisherIdentifier(new URL('https://h/api/v1.0/t/activity/feed/audit/x$y'), pid).href).toBe(
      `https://h/api/v1.0/t/activity/feed/audit/x$y?PublisherIdentifier=${pid}`,
    );
    expect(
      withPublisherIdentifier(new URL('https://h/a?contentType=Audit.General&nextPage=a%2Bb'), pid).href,
    ).toBe(`https://h/a?contentType=Audit.General&nextPage=a%2Bb&PublisherIdentifier=${pid}`);
    expect(withPublisherIdentifier(new URL('https://h/a?'), pid).href).toBe(
      `https://h/a?PublisherIdentifier=${pid}`,
    );
  });

  it('keeps an existing PublisherIdentifier in any casing', () => {
    const u = 'https://h/a?publisheridentifier=abc&nextPage=1';
    expect(withPublisherIdentifier(new URL(u), pid).href).toBe(u);
  });

  it('formats window times as YYYY-MM-DDTHH:MM:SS UTC', () => {
    expect(formatApiTime(new Date('2026-01-10T04:05:06.789Z'))).toBe('2026-01-10T04:05:06');
    expect(formatApiTime(new Date('2026-01-10T04:05:06+02:00'))).toBe('2026-01-10T02:05:06');
  });
});
