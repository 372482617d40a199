/** `tenants list|add|remove|disable|enable|consent-url`: the tenants one deployment collects. */
import { loadConfig } from '../../../shared/config.js';
import { isContentType, CONTENT_TYPES, type ContentType } from '../../../shared/content-types.js';
import { MAX_STATE_HOURS, signConsentState } from '../../../shared/tenants/consent-state.js';
import { adminConsentUrl } from '../../../shared/tenants/consent-url.js';
import { onboardDeps } from '../../../shared/tenants/deps.js';
import {
  addTenant,
  listTenants,
  removeTenant,
  setTenantState,
  type TenantListEntry,
} from '../../../shared/tenants/manage.js';
import { parseTenantId } from '../../../shared/tenants/tenant-id.js';
import { loadLocalSettings } from '../../runner/local-settings.js';
import { UsageError, type CliIo, type Command } from '../command.js';
import { intOption, parse, withRuntime, withStorageRuntime } from '../context.js';

/** The one tenant id argument, validated before anything starts. */
function tenantArg(positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new UsageError('give exactly one tenant id');
  try {
    return parseTenantId(positionals[0]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function contentTypesArg(value: string | undefined): ContentType[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = list.filter((t) => !isContentType(t));
  if (list.length === 0 || bad.length > 0)
    throw new UsageError(
      `--content-types ${bad.length ? `has unknown ${bad.map((b) => `'${b}'`).join(', ')}` : 'is empty'}; accepted: a CSV of ${CONTENT_TYPES.join(', ')}`,
    );
  return [...new Set(list)] as ContentType[];
}

function formatList(entries: readonly TenantListEntry[]): string {
  if (entries.length === 0) return 'no tenants';
  const rows = entries.map((e) => [
    e.tenantId,
    e.origin,
    e.state,
    e.collected ? 'yes' : 'no',
    e.source ?? '-',
    e.addedAt ?? '-',
    [
      e.displayName,
      e.contentTypes ? `types=${e.contentTypes.join(',')}` : '',
      e.filter ? 'filter override' : '',
    ]
      .filter(Boolean)
      .join('; ') || '-',
  ]);
  const head = ['TENANT', 'ORIGIN', 'STATE', 'COLLECTED', 'SOURCE', 'ADDED', 'NOTES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const collected = entries.filter((e) => e.collected).length;
  return [line(head), ...rows.map(line), '', `${entries.length} tenants, ${collected} collected`].join('\n');
}

export const tenantsListCommand: Command = {
  path: ['tenants', 'list'],
  summary:
    'List the tenants: those of the settings (O365_TENANTS, read-only) and the registry with their state',
  usage: 'tenants list [--json]',
  async run(args, io) {
    const { values } = parse(args, { json: { type: 'boolean' } });
    return withStorageRuntime(io, async (rt) => {
      const entries = await listTenants(onboardDeps(rt));
      io.out(values.json ? JSON.stringify(entries, null, 2) : formatList(entries));
      return 0;
    });
  },
};

export const tenantsAddCommand: Command = {
  path: ['tenants', 'add'],
  summary: 'Register a tenant: check that the app reaches it, then start its subscriptions',
  usage: `tenants add <tenantId> [--display-name NAME] [--content-types ${CONTENT_TYPES.join(',')}] [--skip-check]`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        'display-name': { type: 'string' },
        'content-types': { type: 'string' },
        'skip-check': { type: 'boolean' },
      },
      true,
    );
    const tenantId = tenantArg(positionals);
    const contentTypes = contentTypesArg(values['content-types']);
    const skipCheck = values['skip-check'] === true;
    return withRuntime(
      io,
      async (rt) => {
        const r = await addTenant(onboardDeps(rt), {
          tenantId,
          source: 'cli',
          displayName: values['display-name'],
          contentTypes,
          skipCheck,
        });
        io.out(r.message);
        const s = r.subscriptions;
        if (s?.started.length) io.out(`subscriptions started: ${s.started.join(', ')}`);
        if (s?.enabled.length) io.out(`subscriptions already enabled: ${s.enabled.join(', ')}`);
        for (const f of s?.failed ?? [])
          io.err(`subscription ${f.contentType} could not be started: ${f.error}`);
        if (s?.skipped) io.out(`subscriptions not started: ${s.skipped}`);
        if (r.created && skipCheck) io.out('not checked (--skip-check): subscriptions not started');
        return 0;
      },
      skipCheck ? 'storage' : 'api',
    );
  },
};

export const tenantsRemoveCommand: Command = {
  path: ['tenants', 'remove'],
  summary:
    'Remove a registered tenant (its checkpoints, ledger and output stay); optionally stop its subscriptions',
  usage: 'tenants remove <tenantId> [--stop-subscriptions]',
  async run(args, io) {
    const { values, positionals } = parse(args, { 'stop-subscriptions': { type: 'boolean' } }, true);
    const tenantId = tenantArg(positionals);
    const stop = values['stop-subscriptions'] === true;
    return withRuntime(
      io,
      async (rt) => {
        const r = await removeTenant(onboardDeps(rt), tenantId, { stopSubscriptions: stop });
        const failed = (r.subscriptions?.failed.length ?? 0) > 0;
        (failed ? io.err : io.out)(r.message);
        return failed ? 1 : 0;
      },
      stop ? 'api' : 'storage',
    );
  },
};

const stateCommand = (state: 'enabled' | 'disabled'): Command => {
  const verb = state === 'enabled' ? 'enable' : 'disable';
  return {
    path: ['tenants', verb],
    summary:
      state === 'enabled'
        ? 'Collect a registered tenant again'
        : 'Stop collecting a registered tenant, keeping its row and data',
    usage: `tenants ${verb} <tenantId>`,
    async run(args, io) {
      const { positionals } = parse(args, {}, true);
      const tenantId = tenantArg(positionals);
      return withStorageRuntime(io, async (rt) => {
        io.out((await setTenantState(onboardDeps(rt), tenantId, state)).message);
        return 0;
      });
    },
  };
};

export const tenantsDisableCommand = stateCommand('disabled');
export const tenantsEnableCommand = stateCommand('enabled');

/** Where Entra ID sends the admin back: this app's consent route. */
function redirectArg(value: string | undefined, env: Record<string, string | undefined>): string {
  const host = env.WEBSITE_HOSTNAME?.trim();
  const raw = value ?? (host ? `https://${host}/api/consent` : 'http://localhost:7071/api/consent');
  if (!URL.canParse(raw)) throw new UsageError(`--redirect ${JSON.stringify(raw)} is not a URL`);
  const u = new URL(raw);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  // Entra ID accepts http redirect URIs for localhost only.
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local))
    throw new UsageError('--redirect must be an https URL (http only for localhost)');
  if (u.search || u.hash || u.username || u.password)
    throw new UsageError('--redirect must not carry a query, fragment or credentials');
  return u.href;
}

export const tenantsConsentUrlCommand: Command = {
  path: ['tenants', 'consent-url'],
  summary: "Print the admin-consent URL of the app for the configured cloud (send it to a customer's admin)",
  usage: `tenants consent-url [--redirect https://<app>/api/consent] [--tenant ID] [--valid-hours 1-${MAX_STATE_HOURS}]`,
  run(args, io) {
    return Promise.resolve(consentUrl(args, io));
  },
};

function consentUrl(args: readonly string[], io: CliIo): number {
  const { values } = parse(args, {
    redirect: { type: 'string' },
    tenant: { type: 'string' },
    'valid-hours': { type: 'string' },
  });
  const validHours = intOption(values['valid-hours'], 'valid-hours', 1, MAX_STATE_HOURS, 168);
  let tenant: string | undefined;
  try {
    tenant = values.tenant === undefined ? undefined : parseTenantId(values.tenant, '--tenant');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { env } = loadLocalSettings(io.cwd, io.env);
  const redirect = redirectArg(values.redirect, env);
  const config = loadConfig(env);
  if (!config.consentSigningKey)
    throw new UsageError(
      'O365_CONSENT_SIGNING_KEY is not set: the consent route could not check the link. Set it (at least 32 characters, the same value as the app) first; see docs/multi-tenant.md',
    );
  const { state, payload } = signConsentState(config.consentSigningKey, {
    now: new Date(),
    validHours,
    redirect,
    tenant,
  });
  io.out(
    adminConsentUrl({
      loginAuthority: config.loginAuthority,
      clientId: config.clientId,
      scope: config.scope,
      redirectUri: redirect,
      state,
      tenant,
    }),
  );
  io.err(`redirect URI: ${redirect} (must be a Web redirect URI of app registration ${config.clientId})`);
  io.err(
    `for: ${tenant ? `tenant ${tenant} only` : 'any organization'}; valid until ${new Date(payload.exp).toISOString()}; usable once`,
  );
  return 0;
}
