/**
 * Table requests written onto a keep-alive connection the server has closed fail with EPIPE, which
 * the tables SDK does not retry (seen in the large chaos run). Our policy sends such a request once
 * more; every other failure passes through untouched. Both kinds of table client carry it.
 */
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { createStorageClients, retryClosedConnection } from '../../../shared/storage/clients.js';
import { connectionStringFor } from '../../../tools/azurite.js';

const request = createPipelineRequest({ url: 'http://127.0.0.1:1/devstoreaccount1/t()', method: 'GET' });
const ok: PipelineResponse = { request, status: 200, headers: createHttpHeaders() };
const failing = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe('retryClosedConnection', () => {
  it('sends a request that failed with EPIPE once more', async () => {
    let calls = 0;
    const response = await retryClosedConnection.sendRequest(request, () => {
      calls += 1;
      return calls === 1 ? Promise.reject(failing('EPIPE')) : Promise.resolve(ok);
    });
    expect(response.status).toBe(200);
    expect(calls).toBe(2);
  });

  it('gives up after the second EPIPE (the SDK retry policy decides what comes next)', async () => {
    let calls = 0;
    const sent = retryClosedConnection.sendRequest(request, () => {
      calls += 1;
      return Promise.reject(failing('EPIPE'));
    });
    await expect(sent).rejects.toThrow('write EPIPE');
    expect(calls).toBe(2);
  });

  it('lets every other failure through at once', async () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'SOMETHING']) {
      let calls = 0;
      const sent = retryClosedConnection.sendRequest(request, () => {
        calls += 1;
        return Promise.reject(failing(code));
      });
      await expect(sent).rejects.toThrow(code);
      expect(calls, code).toBe(1);
    }
  });

  it('is in the pipeline of table clients from a connection string and from identity settings', () => {
    const ports = { blob: 1, queue: 2, table: 3 };
    const byKey = createStorageClients({
      kind: 'connectionString',
      connectionString: connectionStringFor('127.0.0.1', ports),
    }).table('checkpoints');
    const byIdentity = createStorageClients({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      tableServiceUri: 'https://acct.table.core.windows.net',
    }).table('checkpoints');
    for (const table of [byKey, byIdentity]) {
      expect(table.pipeline.getOrderedPolicies().map((p) => p.name)).toContain(retryClosedConnection.name);
    }
  });
});
