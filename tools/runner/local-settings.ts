/** `local.settings.json` as Core Tools reads it: its `Values` apply where the environment has no value. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CREDENTIAL_SETTINGS } from '../../shared/config-rules.js';

export function loadLocalSettings(
  cwd: string,
  env: Record<string, string | undefined>,
): { env: Record<string, string | undefined>; file?: string } {
  const file = path.join(cwd, 'local.settings.json');
  if (!existsSync(file)) return { env: { ...env } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`local.settings.json is not valid JSON: ${(err as Error).message}`);
  }
  const values = (parsed as { Values?: Record<string, unknown> } | null)?.Values ?? {};
  const merged: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') merged[k] = String(v);
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return { env: merged, file };
}

/** True when a tenant credential is configured; without one, the local runner uses the simulated tenant (embedded Azurite only). */
export function hasTenantCredentials(env: Record<string, string | undefined>): boolean {
  return CREDENTIAL_SETTINGS.some((k) => (env[k] ?? '').trim() !== '');
}

/** A full connection string or `AzureWebJobsStorage__*` identity settings (as opposed to unset or `UseDevelopmentStorage=true`) mean: use that storage. */
export function usesExternalStorage(env: Record<string, string | undefined>): boolean {
  const cs = (env.AzureWebJobsStorage ?? '').trim();
  if (cs !== '' && !/^UseDevelopmentStorage=true/i.test(cs)) return true;
  return Object.keys(env).some((k) => k.startsWith('AzureWebJobsStorage__') && (env[k] ?? '') !== '');
}
