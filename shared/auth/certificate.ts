/**
 * A certificate credential from one PEM (O365_CERTIFICATE_PATH or O365_CERTIFICATE_PEM) holding
 * the private key and the certificate (chain). MSAL wants an unencrypted PEM key, the SHA-256
 * thumbprint of the leaf certificate's DER, and optionally `x5c` (sent so Subject Name/Issuer
 * registrations work and certificates can roll without re-uploading).
 */
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { registerSecret } from '../logger.js';
import { AuthError } from './errors.js';

export interface CertificateSource {
  certificatePath?: string;
  certificatePem?: string;
  certificatePassword?: string;
}

export interface CertificateCredential {
  /** PKCS#8, unencrypted: what MSAL signs the client assertion with. */
  privateKey: string;
  /** Hex SHA-256 of the leaf certificate's DER. */
  thumbprintSha256: string;
  /** The certificate chain as PEM, leaf first. */
  x5c: string;
  /** For logs and diagnostics only. */
  subject: string;
  notAfter: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export function loadCertificate(source: CertificateSource): CertificateCredential {
  const text = readSource(source);
  registerSecret(source.certificatePassword);
  const blocks = [...normalise(text).matchAll(BLOCK)].map((m) => ({ label: m[1] ?? '', pem: m[0] }));

  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
  if (certs.length === 0) throw new AuthError('the certificate PEM holds no "BEGIN CERTIFICATE" block');
  if (keys.length !== 1) {
    throw new AuthError(`the certificate PEM must hold exactly one private key; found ${keys.length}`);
  }
  const keyBlock = keys[0]!;
  const encrypted =
    keyBlock.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(keyBlock.pem);
  if (encrypted && !source.certificatePassword) {
    throw new AuthError('the private key is encrypted; set O365_CERTIFICATE_PASSWORD');
  }

  let key: KeyObject;
  try {
    // Handles PKCS#8, PKCS#1 ("RSA PRIVATE KEY"), encrypted PKCS#8 and legacy encrypted PKCS#1.
    key = createPrivateKey({
      key: keyBlock.pem,
      format: 'pem',
      ...(encrypted ? { passphrase: source.certificatePassword } : {}),
    });
  } catch (err) {
    throw new AuthError(
      encrypted
        ? 'the private key could not be decrypted; check O365_CERTIFICATE_PASSWORD'
        : 'the private key could not be read (expected PKCS#8 or PKCS#1 PEM)',
      { cause: err },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    // MSAL signs with PS256 when given a SHA-256 thumbprint, which needs an RSA key.
    throw new AuthError(
      `the private key is ${key.asymmetricKeyType ?? 'unknown'}; Entra ID certificates must be RSA`,
    );
  }

  const parsed = certs.map((pem) => new X509Certificate(pem));
  const leafIndex = parsed.findIndex((c) => c.checkPrivateKey(key));
  if (leafIndex < 0) throw new AuthError('no certificate in the PEM matches the private key');
  const leaf = parsed[leafIndex]!;
  const chain = [certs[leafIndex]!, ...certs.filter((_, i) => i !== leafIndex)];

  return {
    privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    thumbprintSha256: createHash('sha256').update(leaf.raw).digest('hex'),
    x5c: chain.join('\n'),
    subject: leaf.subject,
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

function readSource(source: CertificateSource): string {
  if (source.certificatePem) return source.certificatePem;
  if (source.certificatePath) {
    try {
      return readFileSync(source.certificatePath, 'utf8');
    } catch (err) {
      throw new AuthError(`O365_CERTIFICATE_PATH could not be read`, { cause: err });
    }
  }
  throw new AuthError('certificate mode needs O365_CERTIFICATE_PATH or O365_CERTIFICATE_PEM');
}

/**
 * App settings often carry PEM with literal `\n` escapes or CRLF; left in, they corrupt the key
 * and Entra answers AADSTS700027 ("invalid signature"). Bag attributes outside blocks are ignored.
 */
function normalise(text: string): string {
  return text.replace(/\\r/g, '').replace(/\\n/g, '\n').replace(/\r\n?/g, '\n');
}
