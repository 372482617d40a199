/**
 * Fault-injection seam of the local runner (used only by the reliability suite): given the
 * environment, may wrap the runtime's dependencies to kill the process at chosen points.
 * Without `O365_CHAOS_CRASH_AT` it returns the runtime unchanged.
 */
import type { Runtime } from '../../shared/runtime.js';

export function applyChaos(rt: Runtime, _env: Record<string, string | undefined>): Runtime {
  return rt;
}
