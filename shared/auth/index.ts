export { loadCertificate } from './certificate.js';
export type { CertificateCredential, CertificateSource } from './certificate.js';
export { AuthError } from './errors.js';
export { managedIdentityAssertion } from './federated.js';
export type { AssertionSource } from './federated.js';
export { authorityOf, createTokenProvider, msalConfiguration } from './token-provider.js';
export type { AuthSettings, TokenProvider, TokenProviderOptions } from './token-provider.js';
