/**
 * The CLI against storage other than the embedded Azurite (here the shared test Azurite, named by a
 * full connection string, as a deployed app's storage would be) with no tenant credentials: the
 * simulated tenant is never used; storage commands read the configured O365_TENANT_ID's partition,
 * API commands are refused naming the missing settings.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputBlobName } from '../../shared/storage/names.js';
import { main } from '../../tools/cli/main.js';
import { CREDENTIAL_SETTINGS } from '../../shared/config-rules.js';
import { testStorage, uniqueName } from '../helpers/storage.js';
import { inject } from 'vitest';

type Env = Record<string, string>;

describe('CLI on external storage without credentials', () => {
  let cwd: string;
  const tenant = randomUUID();
  const other = randomUUID();
  const names = {
    O365_QUEUE_NAME: uniqueName('q'),
    O365_CHECKPOINT_TABLE: uniqueName('cp'),
    O365_LEDGER_TABLE: uniqueName('ledger'),
    O365_EVENT_ID_TABLE: uniqueName('evid'),
    O365_OUTPUT_CONTAINER: uniqueName('out'),
  };
  const storageEnv = (extra: Env = {}): Env => ({
    AzureWebJobsStorage: inject('azurite'),
    ...names,
    ...extra,
  });

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'o365-cli-ext-'));
    const container = testStorage().blobs.getContainerClient(names.O365_OUTPUT_CONTAINER);
    await container.createIfNotExists();
    for (const [t, id] of [
      [tenant, 'mine'],
      [other, 'theirs'],
    ] as const) {
      await container
        .getBlockBlobClient(outputBlobName(t, 'Audit.Exchange', `cid-${id}`, '2026-11-20T10:15:00Z'))
        .upload(gzipSync(`${JSON.stringify({ id, tenant: t })}\n`), 0);
    }
  });
  afterAll(() => {
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  const cli = async (argv: string[], env: Env) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd });
    return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
  };

  it('status and events read the configured tenant, not a simulated one', async () => {
    const env = storageEnv({ O365_TENANT_ID: tenant });
    const status = await cli(['status', '--json'], env);
    expect(status.code, status.err).toBe(0);
    expect((JSON.parse(status.out) as { tenantId: string }).tenantId).toBe(tenant);
    expect(status.err).toContain('storage: AzureWebJobsStorage from your settings');
    expect(status.err).toContain(`tenant: ${tenant} from your settings (no credentials: storage only`);
    expect(status.err).not.toContain('SIMULATED');

    const events = await cli(['events'], env);
    expect(events.code, events.err).toBe(0);
    expect(events.lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['mine']);
  });

  it('poison replay works with the tenant Id alone', async () => {
    const queues = testStorage().queues;
    const poison = queues.getQueueClient(`${names.O365_QUEUE_NAME}-poison`);
    await poison.createIfNotExists();
    await poison.sendMessage(Buffer.from('{"x":1}').toString('base64'));
    const r = await cli(['poison', 'replay'], storageEnv({ O365_TENANT_ID: tenant }));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`1 messages moved from ${names.O365_QUEUE_NAME}-poison to ${names.O365_QUEUE_NAME}`);
    const props = await queues.getQueueClient(names.O365_QUEUE_NAME).getProperties();
    expect(props.approximateMessagesCount).toBe(1);
  });

  it('storage commands without O365_TENANT_ID: exit 1 naming it', async () => {
    for (const env of [storageEnv(), { AzureWebJobsStorage__accountName: 'prodaccount', ...names }]) {
      for (const argv of [['status'], ['events'], ['poison', 'replay']]) {
        const r = await cli(argv, env);
        expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
        expect(r.err).toContain('O365_TENANT_ID: (not set) is required');
        expect(r.err).not.toContain('SIMULATED');
      }
    }
  });

  it('API commands and run: exit 1 naming the missing credential settings, never the simulator', async () => {
    const envs: Env[] = [
      storageEnv({ O365_TENANT_ID: tenant }),
      { AzureWebJobsStorage__accountName: 'prodaccount', O365_TENANT_ID: tenant, ...names },
    ];
    for (const env of envs) {
      for (const argv of [
        ['ping'],
        ['subscriptions', 'list'],
        ['subscriptions', 'start', 'DLP.All'],
        ['content', 'list', '--content-type', 'DLP.All'],
        ['content', 'get', 'some-content-id'],
        ['backfill', '--hours', '1'],
        ['run', '--once'],
      ]) {
        const r = await cli(argv, env);
        expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
        expect(r.err).toContain(`o365-pipeline ${argv[0]}`);
        expect(r.err).toContain('Invalid configuration');
        for (const key of CREDENTIAL_SETTINGS) expect(r.err).toContain(key);
        expect(r.err).toContain('O365_CLIENT_ID: (not set) is required');
        expect(r.err).not.toContain('O365_TENANT_ID: (not set)');
        expect(r.err).not.toContain('SIMULATED');
        expect(r.out).not.toContain('Successfully connected');
      }
    }
  });
});
