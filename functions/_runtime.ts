/**
 * Dependencies built once per worker process (module scope), with per-invocation logging through
 * the InvocationContext so every line is tied to its invocation in Application Insights.
 */
import type { InvocationContext } from '@azure/functions';
import { runningInFunctionsHost } from '../shared/config.js';
import { errorMessage } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { createRuntime, type Runtime } from '../shared/runtime.js';

export type RuntimeProvider = () => Runtime;

let cached: Runtime | undefined;
let failure: unknown;

/** The process-wide runtime; a configuration error is thrown on every call until fixed. */
export const sharedRuntime: RuntimeProvider = () => {
  if (failure !== undefined) throw failure as Error;
  try {
    cached ??= createRuntime();
    return cached;
  } catch (err) {
    failure = err;
    throw err;
  }
};

// Fail fast at cold start inside the Functions host: the error names every bad setting.
if (runningInFunctionsHost()) {
  try {
    sharedRuntime();
  } catch (err) {
    process.stderr.write(`o365-pipeline: cannot start: ${errorMessage(err)}\n`);
  }
}

/** The runtime with a logger bound to this invocation. */
export function forInvocation(rt: Runtime, context: InvocationContext): Runtime {
  const logger = createLogger(
    (level, line) => {
      if (level === 'error') context.error(line);
      else if (level === 'warn') context.warn(line);
      else if (level === 'debug') context.debug(line);
      else context.info(line);
    },
    { tenantId: rt.config.tenantId, invocationId: context.invocationId, function: context.functionName },
  );
  return { ...rt, logger };
}
