import { describe, expect, it } from 'vitest';
import { createUrlGuard } from '../../../shared/api/url-guard.js';
import { ForbiddenUrlError } from '../../../shared/errors.js';

const TENANT = 'f28ab78a-d401-4060-8012-736e373933eb';
const OTHER = '0a0a0a0a-d401-4060-8012-736e373933eb';
const ROOT = 'https://manage.office.com';
const guard = createUrlGuard(ROOT, TENANT);
const BLOB = `${ROOT}/api/v1.0/${TENANT}/activity/feed/audit/492638008028$492638008028$f28ab78ad40140608012736e373933ebspo2015043022$4a81a7c326fc4aed89c62e6039ab833b$04`;

describe('token guard', () => {
  it.each([
    BLOB,
    `${BLOB}?PublisherIdentifier=${TENANT}`,
    `https://MANAGE.office.com:443/api/v1.0/${TENANT.toUpperCase()}/activity/feed/audit/x`,
    `${ROOT}/api/v1.0/${TENANT}/activity/feed/subscriptions/content?contentType=Audit.SharePoint&startTime=2015-10-01&endTime=2015-10-02&nextPage=2015101900R022885001761`,
    // The reference's own NextPageUri example uses /api/v1/ — same origin and tenant: accepted.
    `${ROOT}/api/v1/${TENANT}/activity/feed/subscriptions/content?contentType=Audit.SharePoint&nextPage=2015101900R022885001761`,
  ])('accepts %s', (url) => {
    expect(guard.check(url, 'contentUri').origin).toBe(ROOT);
  });

  it.each([
    ['another host', `https://evil.example/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['a look-alike host', `https://manage.office.com.evil.example/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['another port', `https://manage.office.com:8443/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['http scheme', `http://manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['another tenant', `${ROOT}/api/v1.0/${OTHER}/activity/feed/audit/x`],
    ['a tenant prefix', `${ROOT}/api/v1.0/${TENANT}x/activity/feed/audit/x`],
    ['no tenant segment', `${ROOT}/api/v1.0/${TENANT}`],
    ['another API version', `${ROOT}/api/v2.0/${TENANT}/activity/feed/audit/x`],
    ['a path outside /api', `${ROOT}/other/v1.0/${TENANT}/activity/feed/audit/x`],
    ['dot-dot traversal', `${ROOT}/api/v1.0/${TENANT}/../${OTHER}/activity/feed/audit/x`],
    ['traversal out of /api', `${ROOT}/api/v1.0/${TENANT}/../../../admin`],
    ['single-dot segment', `${ROOT}/api/v1.0/./${TENANT}/activity/feed/audit/x`],
    ['encoded dot-dot', `${ROOT}/api/v1.0/${TENANT}/%2e%2e/${OTHER}/activity/feed/audit/x`],
    ['mixed-case encoded dot-dot', `${ROOT}/api/v1.0/${TENANT}/%2E./${OTHER}/activity/feed/audit/x`],
    ['encoded slash', `${ROOT}/api/v1.0/${TENANT}%2F..%2F${OTHER}/activity/feed/audit/x`],
    ['encoded backslash', `${ROOT}/api/v1.0/${TENANT}/activity/feed/audit/x%5C..%5Cy`],
    ['double encoding', `${ROOT}/api/v1.0/${TENANT}/activity/feed/audit/%252e%252e`],
    ['backslash', `${ROOT}/api/v1.0/${TENANT}/activity\\..\\feed/audit/x`],
    ['userinfo', `https://user:pw@manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/x`],
    [
      'userinfo naming the root',
      `https://manage.office.com@evil.example/api/v1.0/${TENANT}/activity/feed/audit/x`,
    ],
    ['empty userinfo', `https://@manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['a fragment', `${BLOB}#frag`],
    ['whitespace', `${ROOT}/api/v1.0/${TENANT}/activity/feed/audit/x y`],
    ['a control character', `${ROOT}/api/v1.0/${TENANT}/activity/feed/audit/x\ty`],
    ['a relative URL', `/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['a protocol-relative URL', `//evil.example/api/v1.0/${TENANT}/activity/feed/audit/x`],
    ['an empty segment', `${ROOT}/api/v1.0/${TENANT}//audit/x`],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_label, url) => {
    expect(() => guard.check(url, 'NextPageUri')).toThrow(ForbiddenUrlError);
  });

  it('refusals are permanent and name the kind of URL', () => {
    try {
      guard.check(`https://evil.example/api/v1.0/${TENANT}/x`, 'NextPageUri');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ForbiddenUrlError);
      expect((err as ForbiddenUrlError).retryable).toBe(false);
      expect((err as Error).message).toMatch(/^NextPageUri refused/);
    }
  });

  it('follows a non-default port of the configured root exactly', () => {
    const local = createUrlGuard('https://127.0.0.1:8443', TENANT);
    expect(
      local.check(`https://127.0.0.1:8443/api/v1.0/${TENANT}/activity/feed/audit/x`, 'contentUri').port,
    ).toBe('8443');
    expect(() =>
      local.check(`https://127.0.0.1:9443/api/v1.0/${TENANT}/activity/feed/audit/x`, 'contentUri'),
    ).toThrow(ForbiddenUrlError);
    expect(() =>
      local.check(`https://localhost:8443/api/v1.0/${TENANT}/activity/feed/audit/x`, 'contentUri'),
    ).toThrow(ForbiddenUrlError);
  });
});
