/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1/localhost, made fresh
 * at every start so no key ever lives in the repository. Keys come from node:crypto (fast); the
 * X.509 structures from node-forge.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function rsaKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

interface CertSpec {
  commonName: string;
  publicKeyPem: string;
  signerKeyPem: string;
  issuer?: forge.pki.CertificateField[];
  isCa?: boolean;
  altNames?: Array<{ type: number; value?: string; ip?: string }>;
  days?: number;
}

function makeCert(spec: CertSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  // Positive serial: a leading 0x00..0x7f byte keeps the DER integer non-negative.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + (spec.days ?? 30) * 24 * 60 * 60 * 1000);
  const subject = [{ name: 'commonName', value: spec.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer ?? subject);
  const extensions: unknown[] = spec.isCa
    ? [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ]
    : [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      ];
  if (spec.altNames) extensions.push({ name: 'subjectAltName', altNames: spec.altNames });
  extensions.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(spec.signerKeyPem), forge.md.sha256.create());
  return cert;
}

export interface ServerTls {
  caPem: string;
  caPath: string;
  certPem: string;
  keyPem: string;
  /** Removes the temporary CA file. */
  dispose(): void;
}

export function createServerTls(): ServerTls {
  const caKeys = rsaKeyPair();
  const ca = makeCert({
    commonName: 'O365 Simulator Throwaway CA',
    publicKeyPem: caKeys.publicKeyPem,
    signerKeyPem: caKeys.privateKeyPem,
    isCa: true,
  });
  const serverKeys = rsaKeyPair();
  const server = makeCert({
    commonName: 'localhost',
    publicKeyPem: serverKeys.publicKeyPem,
    signerKeyPem: caKeys.privateKeyPem,
    issuer: ca.subject.attributes,
    altNames: [
      { type: 2, value: 'localhost' },
      { type: 7, ip: '127.0.0.1' },
      { type: 7, ip: '::1' },
    ],
  });
  const caPem = forge.pki.certificateToPem(ca);
  const dir = mkdtempSync(path.join(tmpdir(), 'o365-sim-'));
  const caPath = path.join(dir, 'ca.pem');
  writeFileSync(caPath, caPem);
  return {
    caPem,
    caPath,
    certPem: forge.pki.certificateToPem(server),
    keyPem: serverKeys.privateKeyPem,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A self-signed client certificate, as an admin uploads to an app registration. */
export function createClientCertificate(commonName: string): {
  certificatePem: string;
  privateKeyPem: string;
} {
  const keys = rsaKeyPair();
  const cert = makeCert({
    commonName,
    publicKeyPem: keys.publicKeyPem,
    signerKeyPem: keys.privateKeyPem,
    days: 365,
  });
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem };
}
