/**
 * The small HTML page the admin's browser shows after the consent redirect. Every value is
 * escaped (the query is attacker-controlled), the page loads nothing, runs no script and cannot
 * be framed, and it is never cached (its URL carries the state).
 */
import { redact } from '../logger.js';
import type { ConsentOutcome, ConsentRefusal } from './consent.js';

export interface ConsentPage {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const CONSENT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"'`]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!,
  );
}

const REFUSALS: Record<ConsentRefusal, { status: number; title: string; text: string }> = {
  'not-configured': {
    status: 503,
    title: 'Onboarding is not set up',
    text: 'This deployment has no consent signing key (O365_CONSENT_SIGNING_KEY), so it accepts no consent. Nothing was registered.',
  },
  malformed: {
    status: 400,
    title: 'This is not a consent link of this app',
    text: 'The state parameter is missing or malformed. Nothing was registered. Ask your provider for a new consent link.',
  },
  forged: {
    status: 400,
    title: 'This is not a consent link of this app',
    text: 'The state parameter was not signed by this app. Nothing was registered. Ask your provider for a new consent link.',
  },
  expired: {
    status: 400,
    title: 'This consent link has expired',
    text: 'Nothing was registered. Ask your provider for a new consent link.',
  },
  'not-yet-valid': {
    status: 400,
    title: 'This consent link is not valid yet',
    text: 'Its issue time lies in the future. Nothing was registered. Ask your provider for a new consent link.',
  },
  'redirect-mismatch': {
    status: 400,
    title: 'This consent link belongs to another address',
    text: 'Nothing was registered. Ask your provider for a new consent link.',
  },
  denied: {
    status: 400,
    title: 'Consent was not granted',
    text: 'Microsoft Entra ID reported that consent was not given. Nothing was registered.',
  },
  incomplete: {
    status: 400,
    title: 'The consent answer is incomplete',
    text: 'Nothing was registered.',
  },
  'tenant-mismatch': {
    status: 400,
    title: 'This consent link is for another organization',
    text: 'Nothing was registered.',
  },
  'already-used': {
    status: 409,
    title: 'This consent link was already used',
    text: 'Each link registers a tenant once. Nothing changed. Ask your provider for a new consent link if needed.',
  },
  unreachable: {
    status: 502,
    title: 'Your tenant could not be reached',
    text: 'Consent was given, but the app could not get a token for your tenant and list its audit log subscriptions. Nothing was registered. A new consent can take a few minutes to take effect: open the consent link again later. If it keeps failing, check that the Office 365 Management APIs permissions ActivityFeed.Read and ActivityFeed.ReadDlp were granted and that auditing is on.',
  },
};

function page(title: string, paragraphs: string[], items: string[] = []): string {
  const list = items.length > 0 ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{word-break:break-all}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>`,
    ...paragraphs.map((p) => `<p>${p}</p>`),
    list,
    '</body></html>',
  ].join('\n');
}

const code = (v: string) => `<code>${escapeHtml(v)}</code>`;
/** Error text from Entra or the API client: redacted like a log line, then escaped. */
const text = (v: string) => escapeHtml(redact(v));

export function renderConsentPage(outcome: ConsentOutcome): ConsentPage {
  if (outcome.ok) {
    const s = outcome.subscriptions;
    const items: string[] = [];
    if (s?.started.length) items.push(`Subscriptions started: ${s.started.map(code).join(', ')}`);
    if (s?.enabled.length) items.push(`Subscriptions already enabled: ${s.enabled.map(code).join(', ')}`);
    for (const f of s?.failed ?? [])
      items.push(
        `Subscription ${code(f.contentType)} could not be started (${text(f.error)}); the pipeline will try again.`,
      );
    if (s?.skipped) items.push(text(s.skipped));
    const lead = {
      registered: `Tenant ${code(outcome.tenantId)} is registered: its audit logs will be collected.`,
      confirmed: `Tenant ${code(outcome.tenantId)} was already registered; consent is confirmed.`,
      setting: `Tenant ${code(outcome.tenantId)} is already collected by this deployment; consent is confirmed.`,
    }[outcome.kind];
    const disabled =
      outcome.state === 'disabled'
        ? ['Collection for this tenant is currently disabled by the provider.']
        : [];
    return {
      status: 200,
      headers: { ...CONSENT_PAGE_HEADERS },
      body: page('Consent received', [lead, ...disabled, 'You can close this window.'], items),
    };
  }
  const r = REFUSALS[outcome.reason];
  const paragraphs = [escapeHtml(r.text)];
  if (outcome.tenantId) paragraphs.push(`Tenant: ${code(outcome.tenantId)}`);
  if (outcome.error) paragraphs.push(`Error: ${code(redact(outcome.error))}`);
  if (outcome.detail) paragraphs.push(`Details: ${text(outcome.detail)}`);
  return { status: r.status, headers: { ...CONSENT_PAGE_HEADERS }, body: page(r.title, paragraphs) };
}
