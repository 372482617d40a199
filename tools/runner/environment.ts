/**
 * The local environment of the runner and the CLI: settings from the environment and
 * local.settings.json; embedded Azurite (data in .azurite/, so checkpoints survive restarts) unless
 * AzureWebJobsStorage is a full connection string; the simulated tenant unless credentials are set.
 */
import path from 'node:path';
import { startAzurite, type AzuriteHandle } from '../azurite.js';
import { hasTenantCredentials, loadLocalSettings, usesExternalStorage } from './local-settings.js';

export interface LocalEnvironment {
  env: Record<string, string | undefined>;
  extraCaPem?: string;
  notes: string[];
  azurite?: AzuriteHandle;
  simulator?: { apiRoot: string; tenantId: string; requestLog: unknown[]; close(): Promise<void> };
  close(): Promise<void>;
}

export interface PrepareOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Start the simulated tenant when no credentials are configured. */
  simulateWhenNoCredentials: boolean;
  /** Azurite data folder (default `<cwd>/.azurite`); `null` = in memory. */
  dataDir?: string | null;
  simulator?: { seed?: number; hours?: number; eventsPerHour?: number; scenario?: string };
}

export async function prepareLocalEnvironment(o: PrepareOptions): Promise<LocalEnvironment> {
  const { env: merged, file } = loadLocalSettings(o.cwd, o.env);
  const env = { ...merged };
  const notes: string[] = [];
  if (file) notes.push(`settings: environment, then ${path.relative(o.cwd, file) || file}`);
  let azurite: AzuriteHandle | undefined;
  let simulator: LocalEnvironment['simulator'];
  let extraCaPem: string | undefined;
  const close = async () => {
    await simulator?.close();
    await azurite?.stop();
  };
  try {
    if (usesExternalStorage(env)) {
      notes.push('storage: AzureWebJobsStorage from your settings');
    } else {
      const location = o.dataDir === null ? undefined : (o.dataDir ?? path.join(o.cwd, '.azurite'));
      azurite = await startAzurite({ location });
      env.AzureWebJobsStorage = azurite.connectionString;
      notes.push(
        `storage: embedded Azurite (pid ${azurite.pid}, blob port ${azurite.ports.blob}${location ? `, data in ${path.relative(o.cwd, location)}` : ', in memory'})`,
      );
    }
    if (o.simulateWhenNoCredentials && !hasTenantCredentials(env)) {
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
  return { env, extraCaPem, notes, azurite, simulator, close };
}
