import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../../shared/logger.js';
import type { ConsentOutcome } from '../../../shared/tenants/consent.js';
import { escapeHtml, renderConsentPage } from '../../../shared/tenants/consent-page.js';

const T = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const XSS = `"><script>alert('x')</script><img src=x onerror=alert(1)>\``;

describe('consent page', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it('says what was registered and which subscriptions started', () => {
    const p = renderConsentPage({
      ok: true,
      kind: 'registered',
      tenantId: T,
      state: 'enabled',
      subscriptions: {
        started: ['Audit.Exchange'],
        enabled: ['DLP.All'],
        failed: [{ contentType: 'Audit.General', error: 'AF20013 <b>' }],
      },
    });
    expect(p.status).toBe(200);
    expect(p.body).toContain(`Tenant <code>${T}</code> is registered`);
    expect(p.body).toContain('Subscriptions started: <code>Audit.Exchange</code>');
    expect(p.body).toContain('Subscriptions already enabled: <code>DLP.All</code>');
    expect(p.body).toContain('<code>Audit.General</code> could not be started (AF20013 &lt;b&gt;)');
  });

  it('never echoes attacker-controlled text unescaped, and redacts secrets in error text', () => {
    registerSecret('sup3r-s3cret-value');
    const outcomes: ConsentOutcome[] = [
      { ok: false, reason: 'denied', error: XSS, detail: XSS },
      {
        ok: false,
        reason: 'unreachable',
        tenantId: T,
        detail: `token failed: client_secret=sup3r-s3cret-value ${XSS}`,
      },
      { ok: false, reason: 'incomplete', detail: XSS },
    ];
    for (const o of outcomes) {
      const p = renderConsentPage(o);
      expect(p.status).toBeGreaterThanOrEqual(400);
      expect(p.body).not.toContain('<script');
      expect(p.body).not.toContain('<img');
      expect(p.body).not.toContain('sup3r-s3cret-value');
      expect(p.body).toContain('Nothing was registered');
      expect(p.headers['Content-Security-Policy']).toContain("default-src 'none'");
      expect(p.headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
      expect(p.headers['Cache-Control']).toBe('no-store');
      expect(p.headers['Referrer-Policy']).toBe('no-referrer');
      expect(p.headers['X-Content-Type-Options']).toBe('nosniff');
    }
  });

  it('answers each refusal with its status', () => {
    const status = (reason: Extract<ConsentOutcome, { ok: false }>['reason']) =>
      renderConsentPage({ ok: false, reason }).status;
    expect(status('not-configured')).toBe(503);
    expect(status('forged')).toBe(400);
    expect(status('expired')).toBe(400);
    expect(status('denied')).toBe(400);
    expect(status('already-used')).toBe(409);
    expect(status('unreachable')).toBe(502);
  });
});
