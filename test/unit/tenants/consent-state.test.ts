import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOUDS, CLOUD_NAMES, scopeFor } from '../../../shared/clouds.js';
import {
  MAX_STATE_LENGTH,
  signConsentState,
  verifyConsentState,
} from '../../../shared/tenants/consent-state.js';
import { adminConsentUrl } from '../../../shared/tenants/consent-url.js';

const KEY = 'k'.repeat(16) + 'another-sixteen!';
const NOW = new Date('2026-12-03T20:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const redirect = 'https://func-o365.azurewebsites.net/api/consent';
const sign = (o: Partial<Parameters<typeof signConsentState>[1]> = {}) =>
  signConsentState(KEY, { now: NOW, validHours: 24, redirect, ...o });

describe('consent state', () => {
  it('a state this app signed verifies until it expires, with what it carries', () => {
    const { state, payload } = sign({ tenant: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' });
    expect(payload).toMatchObject({ v: 1, iat: NOW.getTime(), exp: NOW.getTime() + 24 * HOUR, redirect });
    expect(payload.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(verifyConsentState(KEY, state, NOW)).toEqual({ ok: true, state: payload });
    expect(verifyConsentState(KEY, state, at(24 * HOUR - 1)).ok).toBe(true);
    expect(verifyConsentState(KEY, state, at(24 * HOUR))).toEqual({ ok: false, reason: 'expired' });
  });

  it('every state is unique (random nonce)', () => {
    const nonces = new Set(Array.from({ length: 200 }, () => sign().payload.nonce));
    expect(nonces.size).toBe(200);
  });

  it('a state signed with another key, or any changed character, is forged', () => {
    const { state } = sign();
    expect(verifyConsentState(`${KEY}x`, state, NOW)).toEqual({ ok: false, reason: 'forged' });
    const [body, sig] = state.split('.') as [string, string];
    // A payload re-encoded with another expiry keeps its old signature: refused.
    const longer = JSON.parse(Buffer.from(body, 'base64url').toString()) as { exp: number };
    longer.exp += 1000 * HOUR;
    const tampered = `${Buffer.from(JSON.stringify(longer)).toString('base64url')}.${sig}`;
    expect(verifyConsentState(KEY, tampered, NOW)).toEqual({ ok: false, reason: 'forged' });
    fc.assert(
      fc.property(fc.nat({ max: state.length - 1 }), fc.constantFrom(...'AQgw_-0z'), (i, c) => {
        fc.pre(state[i] !== c && state[i] !== '.');
        const changed = state.slice(0, i) + c + state.slice(i + 1);
        const r = verifyConsentState(KEY, changed, NOW);
        // Flipping a signature's last character can leave its decoded bytes equal (base64 padding
        // bits); anything else that verifies would be a forgery.
        if (r.ok)
          expect(Buffer.from(changed.split('.')[1]!, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
        else expect(['forged', 'malformed']).toContain(r.reason);
      }),
    );
  });

  it('missing, shapeless, oversized and unsigned states are malformed', () => {
    for (const s of [
      undefined,
      null,
      '',
      'abc',
      'a.b',
      `${'a'.repeat(10)}.${'b'.repeat(42)}`,
      'x'.repeat(MAX_STATE_LENGTH + 1),
    ])
      expect(verifyConsentState(KEY, s, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a signed payload of the wrong shape or lifetime is malformed', () => {
    // Signed with the right key through the real signer, then checked for shape.
    const tooLong = signConsentState(KEY, { now: NOW, validHours: 721, redirect }).state;
    expect(verifyConsentState(KEY, tooLong, NOW)).toEqual({ ok: false, reason: 'malformed' });
    const badRedirect = signConsentState(KEY, {
      now: NOW,
      validHours: 1,
      redirect: 'javascript:alert(1)',
    }).state;
    expect(verifyConsentState(KEY, badRedirect, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a state issued in the future (beyond clock skew) is not yet valid', () => {
    const { state } = sign({ now: at(10 * 60_000) });
    expect(verifyConsentState(KEY, state, NOW)).toEqual({ ok: false, reason: 'not-yet-valid' });
    expect(verifyConsentState(KEY, sign({ now: at(4 * 60_000) }).state, NOW).ok).toBe(true);
  });
});

describe('admin consent URL', () => {
  it('is the v2.0 adminconsent endpoint of the cloud, for organizations, with the API .default scope', () => {
    for (const cloud of CLOUD_NAMES) {
      const c = CLOUDS[cloud];
      const url = new URL(
        adminConsentUrl({
          loginAuthority: c.loginAuthority,
          clientId: '11111111-2222-4333-8444-555555555555',
          scope: scopeFor(c.apiRoot),
          redirectUri: redirect,
          state: 'abc.def',
        }),
      );
      expect(url.origin).toBe(c.loginAuthority);
      expect(url.pathname).toBe('/organizations/v2.0/adminconsent');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        client_id: '11111111-2222-4333-8444-555555555555',
        scope: `${c.apiRoot}/.default`,
        redirect_uri: redirect,
        state: 'abc.def',
      });
    }
    expect(
      adminConsentUrl({
        loginAuthority: 'https://login.microsoftonline.us',
        clientId: 'c',
        scope: 'https://manage.office365.us/.default',
        redirectUri: redirect,
        state: 's',
        tenant: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      }),
    ).toBe(
      'https://login.microsoftonline.us/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9/v2.0/adminconsent?client_id=c&scope=https%3A%2F%2Fmanage.office365.us%2F.default&redirect_uri=https%3A%2F%2Ffunc-o365.azurewebsites.net%2Fapi%2Fconsent&state=s',
    );
  });
});
