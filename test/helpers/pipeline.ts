/**
 * A whole pipeline for integration tests: the simulator over HTTPS (real msal-node), real Azurite
 * storage with unique resource names, and a Runtime built by the real composition root.
 */
import { gunzipSync } from 'node:zlib';
import azureFunctions from '@azure/functions';
import { memoryLogger } from '../../shared/logger.js';
import { createRuntime, ensureStorage, type Runtime, type RuntimeOptions } from '../../shared/runtime.js';
import { startSimulator, type RunningSimulator } from '../../tools/simulator/index.js';
import type { StartSimulatorOptions } from '../../tools/simulator/types.js';
import { azuriteConnection, uniqueName } from './storage.js';

export interface TestPipeline {
  sim: RunningSimulator;
  rt: Runtime;
  env: Record<string, string>;
  logs: ReturnType<typeof memoryLogger>;
  /** Lines the function handlers logged through their InvocationContext. */
  contextLines: string[];
  /** All events written to the output container, by blob name. */
  outputs(): Promise<Map<string, Array<Record<string, unknown>>>>;
  context(dequeueCount?: number): InstanceType<typeof azureFunctions.InvocationContext>;
  close(): Promise<void>;
}

export async function startTestPipeline(
  simOptions: StartSimulatorOptions = {},
  env: Record<string, string> = {},
  runtimeOptions: Partial<RuntimeOptions> = {},
): Promise<TestPipeline> {
  const sim = await startSimulator({ seed: 7, hours: 6, eventsPerHour: 200, ...simOptions });
  const tenant = sim.tenants[0]!;
  const connection = azuriteConnection();
  const fullEnv: Record<string, string> = {
    O365_TENANT_ID: tenant.tenantId,
    O365_CLIENT_ID: tenant.clientId,
    O365_CLIENT_SECRET: tenant.clientSecret,
    O365_API_ROOT: sim.apiRoot,
    O365_LOGIN_AUTHORITY: sim.loginAuthority,
    AzureWebJobsStorage: connection.kind === 'connectionString' ? connection.connectionString : '',
    O365_QUEUE_NAME: uniqueName('q'),
    O365_CHECKPOINT_TABLE: uniqueName('cp'),
    O365_LEDGER_TABLE: uniqueName('ledger'),
    O365_EVENT_ID_TABLE: uniqueName('evid'),
    O365_OUTPUT_CONTAINER: uniqueName('out'),
    ...env,
  };
  const logs = memoryLogger();
  const contextLines: string[] = [];
  const rt = createRuntime({ env: fullEnv, extraCaPem: sim.caPem, logger: logs, ...runtimeOptions });
  await ensureStorage(rt);
  return {
    sim,
    rt,
    env: fullEnv,
    logs,
    contextLines,
    async outputs() {
      const out = new Map<string, Array<Record<string, unknown>>>();
      for await (const b of rt.clients.container.listBlobsFlat()) {
        const text = gunzipSync(await rt.clients.container.getBlobClient(b.name).downloadToBuffer()).toString(
          'utf8',
        );
        out.set(
          b.name,
          text
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
      }
      return out;
    },
    context(dequeueCount = 1) {
      return new azureFunctions.InvocationContext({
        functionName: 'processContent',
        triggerMetadata: { dequeueCount },
        logHandler: (_level, ...args) => contextLines.push(args.map(String).join(' ')),
      });
    },
    close: () => sim.close(),
  };
}
