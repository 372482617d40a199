/** Queue trigger: turns one content blob into filtered, masked, normalized events in blob storage. */
import azureFunctions from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { processContentMessage, type ProcessOutcome } from '../shared/processor/process-content.js';
import { processorDeps } from '../shared/runtime.js';
import { forInvocation, sharedRuntime, type RuntimeProvider } from './_runtime.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { app } = azureFunctions;

export function makeProcessHandler(provider: RuntimeProvider) {
  return async (queueEntry: unknown, context: InvocationContext): Promise<ProcessOutcome> => {
    const rt = forInvocation(provider(), context);
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    // Throwing hands the message back to the queue trigger: retried, then moved to the poison queue.
    return processContentMessage(
      queueEntry,
      Number.isFinite(dequeueCount) ? dequeueCount : 1,
      processorDeps(rt),
    );
  };
}

app.storageQueue('processContent', {
  queueName: '%O365_QUEUE_NAME%',
  connection: 'AzureWebJobsStorage',
  handler: makeProcessHandler(sharedRuntime),
});
