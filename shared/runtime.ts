/**
 * The composition root: builds every dependency once from a validated Config (module scope in the
 * functions, once per command in the CLI, once per process in the local runner).
 */
import type { TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import type { ManagementApi } from './api/types.js';
import { createUrlGuard, type UrlGuard } from './api/url-guard.js';
import { systemClock, type Clock } from './clock.js';
import { loadConfig, resolveStorageConnection, type Config } from './config.js';
import type { EnumeratorDeps, EnumeratorSettings } from './enumerator/enumerate.js';
import type { ProcessorDeps } from './processor/process-content.js';
import { readQueueTriggerSettings, type QueueTriggerSettings } from './host-settings.js';
import { registerSecret, stderrLogger, type Logger } from './logger.js';
import { tableCheckpointStore } from './storage/checkpoints.js';
import { createStorageClients } from './storage/clients.js';
import { storageContentQueue } from './storage/content-queue.js';
import { tableEventIdClaims, type EventIdClaims } from './storage/event-ids.js';
import { blobEventSink } from './storage/event-sink.js';
import { tableContentLedger } from './storage/ledger.js';
import type { CheckpointStore, ContentLedger, ContentQueue, EventSink } from './storage/types.js';
import { createManagementApiFromConfig } from './api/client.js';
import { tableTenantRegistry, type TenantRegistry } from './tenants/registry.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  clock: Clock;
  api: ManagementApi;
  guard: UrlGuard;
  checkpoints: CheckpointStore;
  ledger: ContentLedger;
  queue: ContentQueue;
  sink: EventSink;
  /** Cross-blob dedupe: pass to the processor and the enumerator (cleanup). */
  claims: EventIdClaims;
  /** Tenants onboarded while running (O365_TENANT_TABLE). */
  tenants: TenantRegistry;
  queueTrigger: QueueTriggerSettings;
  clients: {
    queue: QueueClient;
    poison: QueueClient;
    checkpointTable: TableClient;
    ledgerTable: TableClient;
    eventIdTable: TableClient;
    tenantTable: TableClient;
    container: ContainerClient;
  };
}

export interface RuntimeOptions {
  /** App settings; the process environment when absent. */
  env?: Record<string, string | undefined>;
  config?: Config;
  logger?: Logger;
  clock?: Clock;
  /** Extra CA to trust for API and login calls (the local simulator's throwaway CA). */
  extraCaPem?: string;
  /** Replace the Management API client (tests of the functions adapters). */
  api?: ManagementApi;
}

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  // Undefined: config.ts reads the process environment.
  const env = options.env;
  const config = options.config ?? loadConfig(env);
  const logger = options.logger ?? stderrLogger({ tenantId: config.tenantId });
  const clock = options.clock ?? systemClock;
  for (const secret of secretsOf(config)) registerSecret(secret);
  if (!config.verifyTls)
    logger.warn('tls.verification_disabled', {
      setting: 'O365_VERIFY_TLS',
      advice: 'prefer NODE_EXTRA_CA_CERTS for private CAs',
    });

  const stateStorage = createStorageClients(resolveStorageConnection('AzureWebJobsStorage', env));
  const outputStorage =
    config.storage.outputConnection === 'AzureWebJobsStorage'
      ? stateStorage
      : createStorageClients(resolveStorageConnection(config.storage.outputConnection, env));
  const queue = stateStorage.queues.getQueueClient(config.storage.queueName);
  const poison = stateStorage.queues.getQueueClient(config.storage.poisonQueueName);
  const checkpointTable = stateStorage.table(config.storage.checkpointTable);
  const ledgerTable = stateStorage.table(config.storage.ledgerTable);
  const eventIdTable = stateStorage.table(config.storage.eventIdTable);
  const tenantTable = stateStorage.table(config.storage.tenantTable);
  const container = outputStorage.blobs.getContainerClient(config.storage.outputContainer);

  return {
    config,
    logger,
    clock,
    api:
      options.api ?? createManagementApiFromConfig(config, { logger, clock, extraCaPem: options.extraCaPem }),
    guard: createUrlGuard(config.apiRoot, config.tenantId),
    checkpoints: tableCheckpointStore(checkpointTable),
    ledger: tableContentLedger(ledgerTable),
    queue: storageContentQueue(queue, poison),
    sink: blobEventSink(container),
    claims: tableEventIdClaims(eventIdTable),
    tenants: tableTenantRegistry(tenantTable, { logger }),
    queueTrigger: readQueueTriggerSettings(env),
    clients: { queue, poison, checkpointTable, ledgerTable, eventIdTable, tenantTable, container },
  };
}

function secretsOf(config: Config): string[] {
  const a = config.auth as Record<string, unknown>;
  return [
    a.clientSecret,
    a.certificatePem,
    a.certificatePassword,
    a.refreshToken,
    config.mask.hashKey,
    config.webhookAuthId,
    config.consentSigningKey,
    config.httpsProxy,
  ].filter((v): v is string => typeof v === 'string');
}

/** Create the queue, poison queue, tables and output container when missing (idempotent). */
export async function ensureStorage(rt: Runtime): Promise<void> {
  await Promise.all([
    rt.clients.queue.createIfNotExists(),
    rt.clients.poison.createIfNotExists(),
    rt.clients.checkpointTable.createTable(),
    rt.clients.ledgerTable.createTable(),
    rt.clients.eventIdTable.createTable(),
    rt.clients.tenantTable.createTable(),
    rt.clients.container.createIfNotExists(),
  ]);
}

/** Everything the processor needs, from the runtime: one place, used by the function, the runner and the benchmarks. */
export function processorDeps(rt: Runtime): ProcessorDeps {
  return {
    config: rt.config,
    api: rt.api,
    guard: rt.guard,
    ledger: rt.ledger,
    sink: rt.sink,
    claims: rt.claims,
    clock: rt.clock,
    logger: rt.logger,
    maxDequeueCount: rt.queueTrigger.maxDequeueCount,
  };
}

/** Everything the enumerator needs, from the runtime. */
export function enumeratorDeps(rt: Runtime): EnumeratorDeps {
  return {
    api: rt.api,
    checkpoints: rt.checkpoints,
    ledger: rt.ledger,
    queue: rt.queue,
    claims: rt.claims,
    clock: rt.clock,
    logger: rt.logger,
    settings: enumeratorSettings(rt.config),
  };
}

export function enumeratorSettings(config: Config): EnumeratorSettings {
  return {
    tenantId: config.tenantId,
    contentTypes: config.contentTypes,
    autoSubscribe: config.autoSubscribe,
    maxContentPerRun: config.maxContentPerRun,
    budgetSeconds: config.enumerateBudgetSeconds,
    initialLookbackHours: config.initialLookbackHours,
    windowMinutes: config.windowMinutes,
    paddingMinutes: config.paddingMinutes,
  };
}
