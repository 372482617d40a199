/** The simulated tenants: ids and client secrets derived from the seed, a fresh client certificate each. */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { rngFor } from './prng.js';
import { createClientCertificate } from './tls.js';
import type { SimTenant } from './types.js';

export const DEFAULT_ROLES = ['ActivityFeed.Read', 'ActivityFeed.ReadDlp'];

/** Shard tags seen at the end of real contentIds. */
const REGIONS = ['na0014', 'na0017', 'na0047', 'emea0026', 'apac0003'];

export interface TenantRecord {
  tenant: SimTenant;
  index: number;
  /** Verified-domain stand-in used in UPNs. */
  domain: string;
  region: string;
  /** Public key of the registered certificate; assertions are verified against it. */
  certKey: KeyObject;
  certSha1: string;
  certSha256: string;
}

export function createTenants(seed: number, count: number): TenantRecord[] {
  const out: TenantRecord[] = [];
  for (let index = 0; index < count; index++) {
    const rng = rngFor(seed, 'tenant', index);
    const tenantId = rng.uuid();
    const clientId = rng.uuid();
    const clientSecret = `sim~${rng.hex(8)}.${rng.hex(24)}`;
    const { certificatePem, privateKeyPem } = createClientCertificate(`o365-sim-client-${index}`);
    const x509 = new X509Certificate(certificatePem);
    out.push({
      tenant: { tenantId, clientId, clientSecret, certificatePem, privateKeyPem, roles: [...DEFAULT_ROLES] },
      index,
      domain: `contoso${index === 0 ? '' : index}.onmicrosoft.com`,
      region: rng.pick(REGIONS),
      certKey: createPublicKey(certificatePem),
      certSha1: x509.fingerprint.replace(/:/g, '').toLowerCase(),
      certSha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    });
  }
  return out;
}
