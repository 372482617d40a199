/** Timer trigger: lists new content for every content type and enqueues it. */
import azureFunctions from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { runEnumeration, type RunSummary } from '../shared/enumerator/enumerate.js';
import { PipelineError } from '../shared/errors.js';
import { enumeratorDeps } from '../shared/runtime.js';
import { forInvocation, sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export function makeEnumerateHandler(provider: RuntimeProvider) {
  return async (timer: Timer, context: InvocationContext): Promise<RunSummary> => {
    const rt = forInvocation(provider(), context);
    rt.logger.info('enumerate.start', { isPastDue: timer.isPastDue });
    const summary = await runEnumeration(enumeratorDeps(rt));
    if (!summary.ok) {
      // Every content type has run; failing the invocation makes the problem visible as a function failure.
      const failed = summary.types
        .filter((t) => t.status === 'error')
        .map((t) => `${t.contentType}: ${t.error}`);
      throw new PipelineError(`enumeration failed for ${failed.join('; ')}`, { retryable: true });
    }
    return summary;
  };
}

app.timer('enumerateContent', {
  schedule: '%O365_ENUMERATE_SCHEDULE%',
  runOnStartup: false,
  handler: makeEnumerateHandler(sharedRuntime),
});
