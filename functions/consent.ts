/**
 * GET /api/consent: the redirect URI of admin-consent links (`tenants consent-url`). Anonymous,
 * because Entra ID sends the admin's browser here without a function key; everything it does is
 * gated on a state this app signed (see shared/tenants/consent.ts and docs/multi-tenant.md).
 */
import azureFunctions from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { errorMessage } from '../shared/errors.js';
import type { Runtime } from '../shared/runtime.js';
import { handleConsentRedirect, type ConsentDeps } from '../shared/tenants/consent.js';
import { CONSENT_PAGE_HEADERS, escapeHtml } from '../shared/tenants/consent-page.js';
import { renderConsentPage } from '../shared/tenants/consent-page.js';
import { consentDeps } from '../shared/tenants/deps.js';
import { forInvocation, sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

/** A failure of ours: logged in full, shown to the (anonymous) browser without internals. */
function failure(): HttpResponseInit {
  const title = 'Consent could not be processed';
  return {
    status: 500,
    headers: { ...CONSENT_PAGE_HEADERS },
    body: `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>The app failed while handling the consent; nothing may have been registered. Please tell your provider the time of this attempt.</p></body></html>`,
  };
}

export const makeConsentHandler =
  (provider: RuntimeProvider, overrides: (rt: Runtime) => Partial<ConsentDeps> = () => ({})) =>
  async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let rt: Runtime;
    try {
      rt = forInvocation(provider(), context);
    } catch (err) {
      context.error(errorMessage(err));
      return failure();
    }
    try {
      const url = new URL(request.url);
      const outcome = await handleConsentRedirect(
        consentDeps(rt, overrides(rt)),
        url.searchParams,
        url.pathname,
      );
      const page = renderConsentPage(outcome);
      return { status: page.status, headers: page.headers, body: page.body };
    } catch (err) {
      rt.logger.error('consent.failed', { error: err });
      return failure();
    }
  };

app.http('consent', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'consent',
  handler: makeConsentHandler(sharedRuntime),
});
