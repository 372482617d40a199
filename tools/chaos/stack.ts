/**
 * One chaos scenario's world: the API simulator (standalone, clock with a movable offset), an
 * Azurite with a data folder that can be stopped and restarted on the same ports, and the
 * environment a child runner needs to use both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTENT_TYPES, type ContentType } from '../../shared/content-types.js';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients.js';
import { tableCheckpointStore } from '../../shared/storage/checkpoints.js';
import { tableContentLedger } from '../../shared/storage/ledger.js';
import type { CheckpointStore, ContentLedger } from '../../shared/storage/types.js';
import { startAzurite, type AzuriteHandle } from '../azurite.js';
import { startSimulator, type RunningSimulator } from '../simulator/index.js';
import type { FaultConfig, SimTenant } from '../simulator/types.js';

/**
 * How the runner authenticates: the client secret, or the tenant's registered client certificate
 * (private key + certificate) inline in O365_CERTIFICATE_PEM or in a file named by
 * O365_CERTIFICATE_PATH. With a certificate the runner is given no secret, so a run that gets tokens
 * has loaded the key.
 */
export type StackAuth = 'secret' | 'certificatePem' | 'certificateFile';

export interface StackOptions {
  seed: number;
  auth?: StackAuth;
  hours: number;
  eventsPerHour: number;
  faults?: FaultConfig;
  lateFraction?: number;
  pageSize?: number;
  contentTypes?: readonly ContentType[];
  /** Extra settings for the runner. */
  env?: Record<string, string>;
}

export interface Stack {
  /** The seed the simulator was generated from (printed with every failure). */
  seed: number;
  auth: StackAuth;
  sim: RunningSimulator;
  tenant: SimTenant;
  /** Milliseconds added to the simulator's clock (expiry scenarios). */
  clockOffsetMs: number;
  azurite: AzuriteHandle;
  dataDir: string;
  env: Record<string, string>;
  contentTypes: readonly ContentType[];
  storage(): StorageClients;
  checkpoints(): CheckpointStore;
  ledger(): ContentLedger;
  stopAzurite(): Promise<void>;
  startAzuriteAgain(): Promise<void>;
  close(): Promise<void>;
}

export const NAMES = {
  queue: 'chaos-content',
  checkpoints: 'chaoscheckpoints',
  ledger: 'chaosledger',
  container: 'chaos-events',
};

export async function startStack(o: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'o365-chaos-'));
  const stack = { clockOffsetMs: 0 } as Stack;
  const sim = await startSimulator({
    seed: o.seed,
    hours: o.hours,
    eventsPerHour: o.eventsPerHour,
    faults: o.faults,
    lateFraction: o.lateFraction ?? 0,
    pageSize: o.pageSize ?? 20,
    clock: { now: () => new Date(Date.now() + stack.clockOffsetMs) },
  });
  let azurite: AzuriteHandle;
  try {
    azurite = await startAzurite({ location: path.join(dataDir, 'azurite') });
  } catch (err) {
    await sim.close();
    throw err;
  }
  const tenant = sim.tenants[0]!;
  const contentTypes = o.contentTypes ?? CONTENT_TYPES;
  const auth = o.auth ?? 'secret';
  const pem = `${tenant.privateKeyPem}\n${tenant.certificatePem}`;
  const credential: Record<string, string> = {};
  if (auth === 'secret') credential.O365_CLIENT_SECRET = tenant.clientSecret;
  else if (auth === 'certificatePem') credential.O365_CERTIFICATE_PEM = pem;
  else {
    credential.O365_CERTIFICATE_PATH = path.join(dataDir, 'client.pem');
    writeFileSync(credential.O365_CERTIFICATE_PATH, pem, { mode: 0o600 });
  }
  const env: Record<string, string> = {
    O365_TENANT_ID: tenant.tenantId,
    O365_CLIENT_ID: tenant.clientId,
    ...credential,
    O365_API_ROOT: sim.apiRoot,
    O365_LOGIN_AUTHORITY: sim.loginAuthority,
    // The runner only trusts the simulator's CA when it starts the simulator itself.
    NODE_EXTRA_CA_CERTS: sim.caPath,
    AzureWebJobsStorage: azurite.connectionString,
    O365_CONTENT_TYPES: contentTypes.join(','),
    O365_INITIAL_LOOKBACK_HOURS: String(o.hours),
    O365_QUEUE_NAME: NAMES.queue,
    O365_CHECKPOINT_TABLE: NAMES.checkpoints,
    O365_LEDGER_TABLE: NAMES.ledger,
    O365_OUTPUT_CONTAINER: NAMES.container,
    AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:01',
    AzureFunctionsJobHost__extensions__queues__maxPollingInterval: '00:00:01',
    O365_CHAOS_LEASE_SECONDS: '8',
    ...o.env,
  };
  Object.assign(stack, {
    seed: o.seed,
    auth,
    sim,
    tenant,
    azurite,
    dataDir,
    env,
    contentTypes,
    storage: () =>
      createStorageClients({ kind: 'connectionString', connectionString: env.AzureWebJobsStorage! }),
    checkpoints: () => tableCheckpointStore(stack.storage().table(NAMES.checkpoints)),
    ledger: () => tableContentLedger(stack.storage().table(NAMES.ledger)),
    async stopAzurite() {
      await stack.azurite.stop();
    },
    async startAzuriteAgain() {
      // Same ports and data folder: the runner's connection string stays valid. A port can stay
      // busy for a moment after the old process exits; retry a few times.
      let lastError: unknown;
      for (let i = 0; i < 10; i++) {
        try {
          stack.azurite = await startAzurite({
            location: path.join(dataDir, 'azurite'),
            blobPort: azurite.ports.blob,
            queuePort: azurite.ports.queue,
            tablePort: azurite.ports.table,
          });
          return;
        } catch (err) {
          lastError = err;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
      throw lastError;
    },
    async close() {
      await sim.close();
      await stack.azurite.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  } satisfies Omit<Stack, 'clockOffsetMs'>);
  return stack;
}
