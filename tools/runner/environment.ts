/**
 * The local environment of the runner and the CLI: settings from the environment and
 * local.settings.json; the embedded Azurite (data in .azurite/, so checkpoints survive restarts;
 * reused when another process already runs it there) unless AzureWebJobsStorage names other
 * storage. The simulated tenant only goes with the embedded Azurite: against other storage the
 * configured tenant is used, and a command that calls the API needs its credentials.
 */
import path from 'node:path';
import type { ManagementApi } from '../../shared/api/types.js';
import { ConfigError } from '../../shared/errors.js';
import { startAzurite, startOrReuseAzurite, type AzuriteHandle } from '../azurite.js';
import { CREDENTIAL_SETTINGS } from '../../shared/config-rules.js';
import { hasTenantCredentials, loadLocalSettings, usesExternalStorage } from './local-settings.js';

export interface LocalEnvironment {
  env: Record<string, string | undefined>;
  /** The settings as given (environment over local.settings.json), before this preparation changed any. */
  settings: Record<string, string | undefined>;
  extraCaPem?: string;
  notes: string[];
  azurite?: AzuriteHandle & { reused?: boolean };
  simulator?: { apiRoot: string; tenantId: string; requestLog: unknown[]; close(): Promise<void> };
  /**
   * No credentials, external storage, a storage-only command: build the runtime with
   * `storageOnlyRuntime(env)`, which has no API client.
   */
  storageOnly: boolean;
  close(): Promise<void>;
}

export interface PrepareOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * What the command needs of the tenant: `api` (run, ping, subscriptions, content, backfill) or
   * only its partition in storage (status, events, poison replay).
   */
  needs: 'api' | 'storage';
  /** Azurite data folder (default `<cwd>/.azurite`); `null` = in memory. */
  dataDir?: string | null;
  simulator?: { seed?: number; hours?: number; eventsPerHour?: number; scenario?: string };
}

const blank = (v: string | undefined) => (v ?? '').trim() === '';

/** The refusal of an API command on external storage without credentials: names every missing setting. */
function missingCredentials(env: Record<string, string | undefined>): ConfigError {
  const problems = [
    `${CREDENTIAL_SETTINGS.join(', ')}: none is set; this command calls the Management API, so set the tenant's credential ` +
      '(the built-in simulated tenant is only used with the embedded Azurite, and AzureWebJobsStorage names other storage)',
  ];
  for (const key of ['O365_TENANT_ID', 'O365_CLIENT_ID'])
    if (blank(env[key])) problems.push(`${key}: (not set) is required`);
  return new ConfigError(problems);
}

export async function prepareLocalEnvironment(o: PrepareOptions): Promise<LocalEnvironment> {
  const { env: merged, file } = loadLocalSettings(o.cwd, o.env);
  const env = { ...merged };
  const notes: string[] = [];
  if (file) notes.push(`settings: environment, then ${path.relative(o.cwd, file) || file}`);
  const external = usesExternalStorage(env);
  const credentials = hasTenantCredentials(env);
  const storageOnly = external && !credentials;
  if (storageOnly && o.needs === 'api') throw missingCredentials(env);
  if (storageOnly && blank(env.O365_TENANT_ID))
    throw new ConfigError([
      'O365_TENANT_ID: (not set) is required: AzureWebJobsStorage names external storage and no credentials are set, ' +
        'so name the tenant whose data to read (the simulated tenant is only used with the embedded Azurite)',
    ]);
  let azurite: LocalEnvironment['azurite'];
  let simulator: LocalEnvironment['simulator'];
  let extraCaPem: string | undefined;
  const close = async () => {
    await simulator?.close();
    await azurite?.stop();
  };
  try {
    if (external) {
      notes.push('storage: AzureWebJobsStorage from your settings');
      if (storageOnly)
        notes.push(
          `tenant: ${env.O365_TENANT_ID} from your settings (no credentials: storage only, no API calls)`,
        );
    } else {
      const location = o.dataDir === null ? undefined : (o.dataDir ?? path.join(o.cwd, '.azurite'));
      azurite = location ? await startOrReuseAzurite({ location }) : await startAzurite();
      env.AzureWebJobsStorage = azurite.connectionString;
      const where = location ? `data in ${path.relative(o.cwd, location) || location}` : 'in memory';
      notes.push(
        azurite.reused
          ? `storage: reusing the embedded Azurite another process started (pid ${azurite.pid}, blob port ${azurite.ports.blob}, ${where})`
          : `storage: embedded Azurite (pid ${azurite.pid}, blob port ${azurite.ports.blob}, ${where})`,
      );
    }
    if (!external && !credentials) {
      const { startSimulator } = await import('../simulator/index.js');
      const sim = await startSimulator({
        seed: o.simulator?.seed ?? 1,
        hours: o.simulator?.hours ?? 24,
        eventsPerHour: o.simulator?.eventsPerHour ?? 600,
        scenario: o.simulator?.scenario as never,
      });
      const tenant = sim.tenants[0]!;
      simulator = {
        apiRoot: sim.apiRoot,
        tenantId: tenant.tenantId,
        requestLog: sim.requestLog,
        close: () => sim.close(),
      };
      Object.assign(env, {
        O365_TENANT_ID: tenant.tenantId,
        O365_CLIENT_ID: tenant.clientId,
        O365_CLIENT_SECRET: tenant.clientSecret,
        O365_API_ROOT: sim.apiRoot,
        O365_LOGIN_AUTHORITY: sim.loginAuthority,
        O365_AUTH_MODE: 'secret',
      });
      extraCaPem = sim.caPem;
      notes.push(
        `tenant: no credentials configured, so using the built-in SIMULATED tenant ${tenant.tenantId} at ${sim.apiRoot}`,
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { env, settings: merged, extraCaPem, notes, azurite, simulator, storageOnly, close };
}

const UNUSED_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Runtime options of a storage-only command: the configuration validates without a credential
 * (a placeholder that is never used) and the API client refuses every call.
 */
export function storageOnlyRuntime(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  api: ManagementApi;
} {
  const refuse = () => Promise.reject(missingCredentials(env));
  const api: ManagementApi = {
    tenantId: (env.O365_TENANT_ID ?? '').toLowerCase(),
    startSubscription: refuse,
    stopSubscription: refuse,
    listSubscriptions: refuse,
    listContent: refuse,
    fetchContent: refuse,
    listNotifications: refuse,
    dlpSensitiveTypes: refuse,
  };
  return {
    env: {
      ...env,
      O365_AUTH_MODE: 'federated',
      O365_FEDERATED_IDENTITY_CLIENT_ID: UNUSED_ID,
      O365_CLIENT_ID: blank(env.O365_CLIENT_ID) ? UNUSED_ID : env.O365_CLIENT_ID,
    },
    api,
  };
}
