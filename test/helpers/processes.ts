/** Child processes of the end-to-end tests: a clean environment and a liveness probe. */
import { isProcessAlive } from '../../tools/azurite.js';

/** Whether a process with this pid exists (the runner's own probe). */
export const alive = isProcessAlive;

/**
 * This process's environment without the pipeline's own settings (`O365_*`, `AzureWebJobs*`) and
 * without NODE_OPTIONS (vitest's loader hooks), plus `extra`. `drop` removes more keys.
 */
export function childEnv(
  extra: Record<string, string> = {},
  drop: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('O365_') || k.startsWith('AzureWebJobs')) continue;
    if (k === 'NODE_OPTIONS' || drop.includes(k)) continue;
    env[k] = v;
  }
  return Object.assign(env, extra);
}
