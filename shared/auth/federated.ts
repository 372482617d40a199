/**
 * Workload identity federation: the app registration trusts a user-assigned managed identity, and
 * the identity's token for the cloud's token-exchange audience is the client assertion. No secret
 * or certificate is stored anywhere. `@azure/identity` is loaded only in this mode.
 */
import { AuthError } from './errors.js';

/** Produces a fresh client assertion (a JWT); called whenever MSAL goes to the token endpoint. */
export type AssertionSource = () => Promise<string>;

/**
 * @param identityClientId client id of the user-assigned managed identity (O365_FEDERATED_IDENTITY_CLIENT_ID)
 * @param audience `api://AzureADTokenExchange` (or the USGov/China variant from `clouds.ts`)
 */
export function managedIdentityAssertion(identityClientId: string, audience: string): AssertionSource {
  let credential: Promise<{ getToken(scope: string): Promise<{ token: string } | null> }> | undefined;
  return async () => {
    credential ??= import('@azure/identity').then(
      ({ ManagedIdentityCredential }) => new ManagedIdentityCredential({ clientId: identityClientId }),
    );
    try {
      const token = await (await credential).getToken(`${audience}/.default`);
      if (!token) throw new Error('the managed identity returned no token');
      return token.token;
    } catch (err) {
      throw new AuthError(
        `could not get a managed identity token for ${audience} (client id ${identityClientId}); is the identity assigned to the app?`,
        { retryable: true, cause: err },
      );
    }
  };
}
