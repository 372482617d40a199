/**
 * The admin-consent URL of the app for the configured cloud: the Microsoft identity platform's
 * v2.0 admin consent endpoint, `{login host}/{tenant}/v2.0/adminconsent` with `client_id`,
 * `scope`, `redirect_uri` and `state` ("Admin consent on the Microsoft identity platform"). The
 * tenant segment is `organizations` (any work or school tenant; Microsoft says not to use
 * `common` here) or the one tenant the link is for. Application permissions can only be asked
 * for with the static `{resource}/.default` scope, so the scope is the API root's `.default`:
 * the admin grants what the app registration lists (ActivityFeed.Read, ActivityFeed.ReadDlp).
 */
export interface ConsentUrlParts {
  /** Login host of the cloud, e.g. https://login.microsoftonline.com. */
  loginAuthority: string;
  clientId: string;
  /** `{API root}/.default`, e.g. https://manage.office.com/.default. */
  scope: string;
  redirectUri: string;
  state: string;
  /** A tenant id for a link meant for one tenant; default `organizations`. */
  tenant?: string;
}

export function adminConsentUrl(p: ConsentUrlParts): string {
  const url = new URL(
    `/${encodeURIComponent(p.tenant ?? 'organizations')}/v2.0/adminconsent`,
    p.loginAuthority,
  );
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('scope', p.scope);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('state', p.state);
  return url.href;
}
