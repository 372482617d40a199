/**
 * Claim transactions are built by hand (shared/storage/table-batch.ts) to spare the SDK's per-action
 * pipeline; what goes on the wire must stay exactly what `TableClient.submitTransaction` sends, and
 * conflicts must come back with the index of the failing action. Against real Azurite.
 */
import { createDefaultHttpClient, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { insertRows, insertTransactionBody, TransactionError } from '../../shared/storage/table-batch.js';
import { testStorage, uniqueName } from '../helpers/storage.js';

async function table() {
  const t = testStorage().table(uniqueName('batch'));
  await t.createTable();
  return t;
}

const rows = (pk: string, keys: string[]) =>
  keys.map((rowKey) => ({
    partitionKey: pk,
    rowKey,
    owner: "c$o'wner",
    contentCreated: '2026-11-20T10:00:00Z',
  }));

describe('hand-built claim transactions', () => {
  it('send the body submitTransaction sends, byte for byte (boundaries aside)', async () => {
    const sent: PipelineRequest[] = [];
    const inner = createDefaultHttpClient();
    const httpClient: HttpClient = {
      sendRequest: (request) => {
        sent.push(request);
        return inner.sendRequest(request);
      },
    };
    const name = uniqueName('batch');
    const sdk = TableClient.fromConnectionString(inject('azurite'), name, {
      allowInsecureConnection: true,
      httpClient,
    });
    await sdk.createTable();
    const batch = rows('p1', ['a', 'b-2', 'sha256-ff']);
    await sdk.submitTransaction(batch.map((r) => ['create', r]));
    const request = sent.at(-1)!;
    const body = request.body as string;
    const [, batchId] = /^--batch_([0-9a-f-]+)/.exec(body)!;
    const [, changesetId] = /boundary=changeset_([0-9a-f-]+)/.exec(body)!;
    expect(insertTransactionBody(sdk.url, name, batch, batchId!, changesetId!)).toBe(body);
    expect(request.url).toBe(`${sdk.url}/$batch`);
  });

  it('insert rows, and a conflict names the first failing action and changes nothing', async () => {
    const t = await table();
    await insertRows(t, rows('p1', ['a', 'b']));
    const err = await insertRows(t, rows('p1', ['c', 'd', 'b', 'e'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionError);
    expect(err).toMatchObject({ statusCode: 409, failedIndex: 2 });
    const keys: string[] = [];
    for await (const e of t.listEntities<{ owner: string }>()) {
      keys.push(e.rowKey!);
      expect(e.owner).toBe("c$o'wner");
    }
    expect(keys.sort()).toEqual(['a', 'b']);
  });
});
