/**
 * Identity-based storage connections (`AzureWebJobsStorage__accountName` / `__serviceUri` /
 * `__clientId`): the clients' credential loads `@azure/identity` at its first token request and
 * asks the user-assigned identity named by `__clientId`. The managed identity endpoint is a local
 * stand-in speaking the App Service protocol (IDENTITY_ENDPOINT + IDENTITY_HEADER).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClients } from '../../shared/storage/clients.js';

const CLIENT_ID = '0b5d2f2e-7c59-4a1f-9f0a-3a7f2e3c9d11';

describe('identity-based storage connection', () => {
  let server: Server;
  const requests: URL[] = [];
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push(url);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          access_token: 'storage-token-from-identity',
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: url.searchParams.get('resource'),
          token_type: 'Bearer',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
    process.env.IDENTITY_HEADER = 'test-identity-header';
  });

  afterAll(async () => {
    for (const [key, value] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await new Promise((resolve) => server.close(resolve));
  });

  it('gets storage tokens from the user-assigned managed identity', async () => {
    const clients = createStorageClients({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      tableServiceUri: 'https://acct.table.core.windows.net',
      clientId: CLIENT_ID,
    });
    expect(requests).toHaveLength(0);
    const credential = clients.blobs.credential as {
      getToken(scope: string): Promise<{ token: string } | null>;
    };
    const token = await credential.getToken('https://storage.azure.com/.default');
    expect(token?.token).toBe('storage-token-from-identity');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(requests[0]?.searchParams.get('resource')).toBe('https://storage.azure.com');
  });
});
