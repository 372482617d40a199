import { describe, expect, it } from 'vitest';
import { AF_CODES, ApiError, classify } from '../../../shared/api/af-errors.js';
import { apiErrorFromResponse, parseErrorBody } from '../../../shared/api/error-body.js';

const headers = (h: Record<string, string> = {}) => new Headers(h);
const ctx = { operation: 'content' as const, tenantId: 't1', now: new Date('2026-01-10T12:00:00Z') };

describe('AF error table', () => {
  it.each([
    ['AF10001', 'fatal'],
    ['AF20001', 'fatal'],
    ['AF20002', 'fatal'],
    ['AF20003', 'fatal'],
    ['AF20010', 'fatal'],
    ['AF20011', 'fatal'],
    ['AF20012', 'fatal'],
    ['AF20013', 'fatal'],
    ['AF20020', 'fatal'],
    ['AF20021', 'fatal'],
    ['AF20022', 'resubscribe'],
    ['AF20023', 'resubscribe'],
    ['AF20030', 'rewindow'],
    ['AF20055', 'rewindow'],
    ['AF20031', 'retry'],
    ['AF429', 'retry'],
    ['AF50000', 'retry'],
    ['AF20050', 'permanent'],
    ['AF20051', 'permanent'],
    ['AF20052', 'permanent'],
  ] as const)('%s → %s', (code, category) => {
    expect(AF_CODES[code]).toBe(category);
    expect(classify(code, 400, 'content')).toBe(category);
  });

  it('recognises AF429 by its code whatever the HTTP status', () => {
    expect(classify('AF429', 403, 'blob')).toBe('retry');
    expect(classify('AF429', 429, 'list')).toBe('retry');
  });

  it('falls back on the HTTP status without a known code', () => {
    expect(classify(undefined, undefined, 'content')).toBe('retry'); // network error
    expect(classify(undefined, 408, 'content')).toBe('retry');
    expect(classify(undefined, 429, 'content')).toBe('retry');
    expect(classify(undefined, 500, 'blob')).toBe('retry');
    expect(classify(undefined, 503, 'list')).toBe('retry');
    expect(classify(undefined, 401, 'content')).toBe('fatal');
    expect(classify(undefined, 403, 'content')).toBe('fatal');
    expect(classify(undefined, 404, 'blob')).toBe('permanent');
    expect(classify(undefined, 404, 'content')).toBe('fatal');
    expect(classify('AF99999', 400, 'blob')).toBe('permanent');
  });

  it('marks retry and resubscribe retryable, the rest not', () => {
    const r = (category: 'fatal' | 'resubscribe' | 'rewindow' | 'retry' | 'permanent') =>
      new ApiError('x', { category }).retryable;
    expect([r('retry'), r('resubscribe'), r('rewindow'), r('fatal'), r('permanent')]).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('error bodies', () => {
  it('reads the documented AF shape', () => {
    const body =
      '{"error":{"code":"AF20051","message":"Content requested with the key x has already expired."}}';
    expect(parseErrorBody(body)).toEqual({
      afCode: 'AF20051',
      message: 'Content requested with the key x has already expired.',
    });
  });

  it('reads the gateway 401 body', () => {
    const e = apiErrorFromResponse(
      { status: 401, headers: headers() },
      '{"Message":"Authorization has been denied for this request."}',
      ctx,
    );
    expect(e.category).toBe('fatal');
    expect(e.afCode).toBeUndefined();
    expect(e.apiMessage).toBe('Authorization has been denied for this request.');
  });

  it('reads the StartSubscription failure (audit logging off) as fatal with a hint', () => {
    const body = JSON.stringify({
      error: {
        code: 'StartSubscription [TenantId=t,ContentType=Audit.Exchange,ApplicationId=a,PublisherId=p] failed. Exception',
        message:
          'Microsoft.Office.Compliance.Audit.DataServiceException: Tenant t does not exist.\r\n   at Foo.Bar()',
      },
    });
    const e = apiErrorFromResponse({ status: 500, headers: headers() }, body, { ...ctx, operation: 'start' });
    expect(e.category).toBe('fatal');
    expect(e.apiMessage).toBe(
      'Microsoft.Office.Compliance.Audit.DataServiceException: Tenant t does not exist.',
    );
    expect(e.message).toContain('unified audit logging');
    expect(e.message).not.toContain('Foo.Bar');
  });

  it('handles HTML and empty bodies by status', () => {
    const html = apiErrorFromResponse(
      { status: 502, headers: headers() },
      '<html><head><title>502 Bad Gateway</title></head><body>x</body></html>',
      ctx,
    );
    expect(html.category).toBe('retry');
    expect(html.apiMessage).toBe('HTML response: 502 Bad Gateway');
    const empty = apiErrorFromResponse({ status: 404, headers: headers() }, '', {
      ...ctx,
      operation: 'blob',
    });
    expect(empty.category).toBe('permanent');
    expect(empty.apiMessage).toBeUndefined();
  });

  it('reports clock skew from the Date header on AF20055', () => {
    const e = apiErrorFromResponse(
      { status: 400, headers: headers({ Date: 'Sat, 10 Jan 2026 12:07:30 GMT' }) },
      '{"error":{"code":"AF20055","message":"Start time and end time must both be specified"}}',
      ctx,
    );
    expect(e.category).toBe('rewindow');
    expect(e.clockSkewMs).toBe(450_000);
  });

  it('does not report skew for other codes', () => {
    const e = apiErrorFromResponse(
      { status: 500, headers: headers({ Date: 'Sat, 10 Jan 2026 12:07:30 GMT', 'Retry-After': '7' }) },
      '{"error":{"code":"AF50000","message":"An internal error occurred. Retry the request."}}',
      ctx,
    );
    expect(e.clockSkewMs).toBeUndefined();
    expect(e.retryAfterMs).toBe(7000);
  });
});
