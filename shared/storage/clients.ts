/**
 * Builds the Azure Storage SDK clients from a resolved connection: a connection string
 * (Azurite, `UseDevelopmentStorage=true`, account key) or identity-based service URIs
 * (managed identity in Azure, no keys).
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { StorageConnection } from '../config.js';

export interface StorageClients {
  queues: QueueServiceClient;
  blobs: BlobServiceClient;
  table(name: string): TableClient;
}

/**
 * `@azure/identity` is loaded at the first token request, not at cold start: only identity-based
 * connections need it (connection-string deployments and local runs never load it; keyless ones
 * load it at their first storage call, as `federated.ts` does at its first assertion).
 */
function credentialFor(clientId: string | undefined): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(
        ({ DefaultAzureCredential, ManagedIdentityCredential }) =>
          clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential(),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}

export function createStorageClients(connection: StorageConnection): StorageClients {
  if (connection.kind === 'connectionString') {
    const cs = connection.connectionString;
    // Tables refuse http endpoints (Azurite on random ports) unless told they are expected.
    const insecure = /DefaultEndpointsProtocol=http;|TableEndpoint=http:|UseDevelopmentStorage=true/i.test(
      cs,
    );
    return {
      queues: QueueServiceClient.fromConnectionString(cs),
      blobs: BlobServiceClient.fromConnectionString(cs),
      table: (name) =>
        TableClient.fromConnectionString(cs, name, { ...TABLE_OPTIONS, allowInsecureConnection: insecure }),
    };
  }
  const credential = credentialFor(connection.clientId);
  return {
    queues: new QueueServiceClient(connection.queueServiceUri, credential),
    blobs: new BlobServiceClient(connection.blobServiceUri, credential),
    table: (name) => new TableClient(connection.tableServiceUri, name, credential, TABLE_OPTIONS),
  };
}

/**
 * A keep-alive connection the server closed while this process was busy fails the next request
 * with EPIPE when it is written. The server never read that request, so sending it again on a
 * fresh connection is safe — the tables SDK retries the same race as ECONNRESET, but not as EPIPE
 * (the blob and queue SDKs retry both). Once per attempt, inside the SDK's own retries.
 */
export const retryClosedConnection: PipelinePolicy = {
  name: 'o365RetryClosedConnection',
  async sendRequest(request, next) {
    try {
      return await next(request);
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== 'EPIPE') throw err;
      return next(request);
    }
  },
};

const TABLE_OPTIONS: TableServiceClientOptions = {
  additionalPolicies: [{ policy: retryClosedConnection, position: 'perRetry' }],
};

/** Status code of a storage SDK error (branch on this, not on `code`: Azurite leaves it undefined). */
export function storageStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
