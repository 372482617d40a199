import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { loadCertificate } from '../../../shared/auth/certificate.js';
import { AuthError } from '../../../shared/auth/errors.js';
import { authorityOf, msalConfiguration } from '../../../shared/auth/token-provider.js';
import { CLOUD_NAMES } from '../../../shared/clouds.js';
import { loadConfig } from '../../../shared/config.js';
import { createHttpClient } from '../../../shared/http/http-client.js';
import { bypassesProxy } from '../../../shared/http/no-proxy.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const baseEnv = {
  O365_TENANT_ID: TENANT,
  O365_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
  O365_CLIENT_SECRET: 'unit-test-secret',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

describe('national clouds: authority and scope pairing', () => {
  const expected = {
    commercial: ['https://login.microsoftonline.com', 'https://manage.office.com/.default'],
    gcc: ['https://login.microsoftonline.com', 'https://manage-gcc.office.com/.default'],
    gcchigh: ['https://login.microsoftonline.us', 'https://manage.office365.us/.default'],
    dod: ['https://login.microsoftonline.us', 'https://manage.protection.apps.mil/.default'],
    china: ['https://login.partner.microsoftonline.cn', 'https://manage.office365.cn/.default'],
  } as const;

  it.each(CLOUD_NAMES)('%s', async (cloud) => {
    const config = loadConfig({ ...baseEnv, O365_CLOUD: cloud });
    const [login, scope] = expected[cloud];
    expect(config.scope).toBe(scope);
    expect(authorityOf(config)).toBe(`${login}/${TENANT}`);
    const http = createHttpClient();
    try {
      const msal = msalConfiguration({ config, http });
      expect(msal.auth.authority).toBe(`${login}/${TENANT}`);
      // Known authority: no instance discovery against the commercial cloud from a sovereign one.
      expect(msal.auth.knownAuthorities).toEqual([new URL(login).host]);
      expect(msal.system?.networkClient).toBeDefined();
    } finally {
      await http.close();
    }
  });

  it('honours O365_LOGIN_AUTHORITY and O365_API_ROOT overrides (e.g. the simulator)', () => {
    const config = loadConfig({
      ...baseEnv,
      O365_API_ROOT: 'https://127.0.0.1:8443',
      O365_LOGIN_AUTHORITY: 'https://127.0.0.1:8443',
    });
    expect(config.scope).toBe('https://127.0.0.1:8443/.default');
    expect(authorityOf(config)).toBe(`https://127.0.0.1:8443/${TENANT}`);
  });
});

describe('NO_PROXY', () => {
  const u = (s: string) => new URL(s);
  it('matches hosts, suffixes, wildcards and ports', () => {
    expect(bypassesProxy(u('https://manage.office.com/x'), ['*'])).toBe(true);
    expect(bypassesProxy(u('https://manage.office.com/x'), ['manage.office.com'])).toBe(true);
    expect(bypassesProxy(u('https://manage.office.com/x'), ['office.com'])).toBe(true);
    expect(bypassesProxy(u('https://notoffice.com/x'), ['office.com'])).toBe(false);
    expect(bypassesProxy(u('https://manage.office.com/x'), ['.office.com'])).toBe(true);
    expect(bypassesProxy(u('https://office.com/x'), ['.office.com'])).toBe(true);
    expect(bypassesProxy(u('https://manage.office.com/x'), ['*.office.com'])).toBe(true);
    expect(bypassesProxy(u('https://MANAGE.office.com/x'), [' Manage.Office.com '])).toBe(true);
    expect(bypassesProxy(u('https://manage.office.com/x'), ['manage.office.com:443'])).toBe(true);
    expect(bypassesProxy(u('https://manage.office.com/x'), ['manage.office.com:8443'])).toBe(false);
    expect(bypassesProxy(u('https://127.0.0.1:9000/x'), ['127.0.0.1'])).toBe(true);
    expect(bypassesProxy(u('https://[::1]:9000/x'), ['::1'])).toBe(true);
    expect(bypassesProxy(u('https://[::1]:9000/x'), ['[::1]:9000'])).toBe(true);
    expect(bypassesProxy(u('https://login.microsoftonline.com/x'), ['office.com', ''])).toBe(false);
  });
});

function selfSigned(keyPem: string, publicPem: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2027-01-01T00:00:00Z');
  const attrs = [{ name: 'commonName', value: 'o365-unit' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

describe('certificate credentials', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const encrypted = privateKey
    .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'unit-pass-123' })
    .toString();
  const certPem = selfSigned(pkcs8, publicKey.export({ format: 'pem', type: 'spki' }).toString());
  const der = Buffer.from(
    forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes(),
    'binary',
  );
  const thumbprint = forge.md.sha256.create().update(der.toString('binary')).digest().toHex();

  it.each([
    ['PKCS#8', `${pkcs8}\n${certPem}`, undefined],
    ['PKCS#1', `${certPem}\n${pkcs1}`, undefined],
    ['encrypted PKCS#8', `${encrypted}\n${certPem}`, 'unit-pass-123'],
    ['escaped newlines (app settings)', `${pkcs8}${certPem}`.replace(/\n/g, '\\n'), undefined],
  ])('reads %s and computes the SHA-256 thumbprint of the DER', (_label, pem, password) => {
    const cred = loadCertificate({ certificatePem: pem, certificatePassword: password });
    expect(cred.thumbprintSha256).toBe(thumbprint);
    expect(cred.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cred.x5c).toContain('BEGIN CERTIFICATE');
    expect(cred.subject).toContain('o365-unit');
  });

  it('explains a missing or wrong password', () => {
    expect(() => loadCertificate({ certificatePem: `${encrypted}\n${certPem}` })).toThrow(
      /O365_CERTIFICATE_PASSWORD/,
    );
    expect(() =>
      loadCertificate({ certificatePem: `${encrypted}\n${certPem}`, certificatePassword: 'wrong-pass' }),
    ).toThrow(AuthError);
  });

  it('refuses a key that does not match the certificate', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    expect(() => loadCertificate({ certificatePem: `${other.toString()}\n${certPem}` })).toThrow(
      /matches the private key/,
    );
  });
});
