/**
 * National clouds of the Office 365 Management Activity API.
 *
 * Hosts per plan come from the API reference; authorities from Entra's national-cloud page.
 * GCC uses the commercial Entra ID. The 21Vianet host is not documented by Microsoft
 * (MicrosoftDocs/office-365-management-api#249); `manage.office365.cn` is what Microsoft's own
 * APAC module uses, so it is our default, and `O365_API_ROOT` can override it.
 */
export const CLOUD_NAMES = ['commercial', 'gcc', 'gcchigh', 'dod', 'china'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export interface CloudEndpoints {
  /** Origin of the Management API, e.g. `https://manage.office.com` (no trailing slash). */
  apiRoot: string;
  /** Login host, e.g. `https://login.microsoftonline.com` (tenant appended by the auth module). */
  loginAuthority: string;
  /** Audience of the managed-identity token used as a federated client assertion. */
  federatedAudience: string;
}

export const CLOUDS: Readonly<Record<CloudName, CloudEndpoints>> = {
  commercial: {
    apiRoot: 'https://manage.office.com',
    loginAuthority: 'https://login.microsoftonline.com',
    federatedAudience: 'api://AzureADTokenExchange',
  },
  gcc: {
    apiRoot: 'https://manage-gcc.office.com',
    loginAuthority: 'https://login.microsoftonline.com',
    federatedAudience: 'api://AzureADTokenExchange',
  },
  gcchigh: {
    apiRoot: 'https://manage.office365.us',
    loginAuthority: 'https://login.microsoftonline.us',
    federatedAudience: 'api://AzureADTokenExchangeUSGov',
  },
  dod: {
    apiRoot: 'https://manage.protection.apps.mil',
    loginAuthority: 'https://login.microsoftonline.us',
    federatedAudience: 'api://AzureADTokenExchangeUSGov',
  },
  china: {
    apiRoot: 'https://manage.office365.cn',
    loginAuthority: 'https://login.partner.microsoftonline.cn',
    federatedAudience: 'api://AzureADTokenExchangeChina',
  },
};

/** The token scope for an API root: the resource is the root itself. */
export function scopeFor(apiRoot: string): string {
  return `${new URL(apiRoot).origin}/.default`;
}
