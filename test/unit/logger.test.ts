/**
 * The logger's last line of defence: whatever a caller puts in a field, function keys (the `code`
 * query parameter, the `x-functions-key` header) and SAS signatures never reach a log line.
 */
import { describe, expect, it } from 'vitest';
import { displayUrl, memoryLogger, redact } from '../../shared/logger.js';

const KEY = 'Zq8Wm2Xn5Rb7Tc4Vd1Ye9Uf6Gh3Jk0Lp2Mn7Qs4Rt8Vw1Xy6Za5Bc3==';

describe('redact', () => {
  it.each([
    ['a logged URL', `https://app.azurewebsites.net/api/status?code=${KEY}`],
    ['a later parameter', `https://app/api/content?contentType=Audit.General&code=${KEY}&x=1`],
    ['a percent-encoded URL inside another', `next=https%3A%2F%2Fapp%2Fapi%2Fping%3Fcode%3D${KEY}`],
    ['a header object', JSON.stringify({ headers: { 'x-functions-key': KEY } })],
    ['a header line', `X-Functions-Key: ${KEY}`],
    ['JSON text inside a field', JSON.stringify({ raw: JSON.stringify({ 'x-functions-key': KEY }) })],
    ['a SAS URL', `https://acct.blob.core.windows.net/out?sv=2024-08-04&sig=${KEY}`],
  ])('removes the key from %s', (_name, text) => {
    const out = redact(text);
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(KEY.slice(0, 20));
    expect(out).toContain('[redacted]');
  });

  it('leaves words that merely contain "code" alone', () => {
    const text = '{"afCode":"AF20021","errorcode=1":"x","code":"AF429"}';
    expect(redact(text)).toBe(text);
  });

  it('every log line passes through it, whatever field holds the key', () => {
    const log = memoryLogger();
    log.error('http.failed', {
      route: `https://app/api/ping?code=${KEY}`,
      headers: { 'x-functions-key': KEY },
      error: new Error(`upstream said https://app/api/notifications?code=${KEY}`),
    });
    expect(log.lines.join('\n')).not.toContain(KEY.slice(0, 20));
  });
});

describe('displayUrl', () => {
  it('keeps scheme, host and path; drops query, credentials and fragment', () => {
    expect(displayUrl(`https://u:p@acct.blob.core.windows.net/out?sv=1&sig=${KEY}#x`)).toBe(
      'https://acct.blob.core.windows.net/out',
    );
    expect(displayUrl(`not a url code=1 sig=${KEY}`)).not.toContain(KEY);
  });
});
