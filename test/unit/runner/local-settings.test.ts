import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  hasTenantCredentials,
  loadLocalSettings,
  usesExternalStorage,
} from '../../../tools/runner/local-settings.js';

describe('local.settings.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'o365-local-settings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (content: unknown) =>
    writeFileSync(
      path.join(dir, 'local.settings.json'),
      typeof content === 'string' ? content : JSON.stringify(content),
    );

  it('the environment wins over the file; blank environment values do not; file values fill the rest', () => {
    write({
      IsEncrypted: false,
      Values: {
        O365_TENANT_ID: 'from-file',
        O365_CLIENT_ID: 'from-file',
        O365_QUEUE_NAME: 'file-queue',
        O365_MAX_CONTENT_PER_RUN: 500,
        O365_MASK_FINDINGS: false,
        NESTED: { not: 'a setting' },
      },
    });
    const { env, file } = loadLocalSettings(dir, {
      O365_TENANT_ID: 'from-env',
      O365_CLIENT_ID: '',
      O365_QUEUE_NAME: undefined,
      PATH: '/bin',
    });
    expect(file).toBe(path.join(dir, 'local.settings.json'));
    expect(env).toEqual({
      O365_TENANT_ID: 'from-env',
      O365_CLIENT_ID: 'from-file',
      O365_QUEUE_NAME: 'file-queue',
      O365_MAX_CONTENT_PER_RUN: '500',
      O365_MASK_FINDINGS: 'false',
      PATH: '/bin',
    });
  });

  it('without the file: the environment as given, and no file reported', () => {
    const { env, file } = loadLocalSettings(dir, { O365_TENANT_ID: 'from-env' });
    expect(file).toBeUndefined();
    expect(env).toEqual({ O365_TENANT_ID: 'from-env' });
  });

  it('a file that is not JSON is refused with the parser message', () => {
    write('{ "Values": { "A": "1", } ');
    expect(() => loadLocalSettings(dir, {})).toThrow(/^local\.settings\.json is not valid JSON: /);
  });

  it('a file without Values adds nothing', () => {
    write({ IsEncrypted: false });
    expect(loadLocalSettings(dir, { A: 'x' }).env).toEqual({ A: 'x' });
  });
});

describe('which storage and tenant the runner and CLI use', () => {
  it('external storage: a full connection string or AzureWebJobsStorage__* identity settings', () => {
    expect(usesExternalStorage({})).toBe(false);
    expect(usesExternalStorage({ AzureWebJobsStorage: '  ' })).toBe(false);
    expect(usesExternalStorage({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toBe(false);
    expect(
      usesExternalStorage({
        AzureWebJobsStorage:
          'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b;EndpointSuffix=core.windows.net',
      }),
    ).toBe(true);
    expect(usesExternalStorage({ AzureWebJobsStorage__accountName: 'prodaccount' })).toBe(true);
    expect(usesExternalStorage({ AzureWebJobsStorage__accountName: '' })).toBe(false);
  });

  it('credentials: any one credential setting, blank ones not counted', () => {
    expect(hasTenantCredentials({ O365_TENANT_ID: 't', O365_CLIENT_ID: 'c' })).toBe(false);
    expect(hasTenantCredentials({ O365_CLIENT_SECRET: ' ' })).toBe(false);
    for (const key of [
      'O365_CLIENT_SECRET',
      'O365_CERTIFICATE_PATH',
      'O365_CERTIFICATE_PEM',
      'O365_FEDERATED_IDENTITY_CLIENT_ID',
      'O365_REFRESH_TOKEN',
    ])
      expect({ key, has: hasTenantCredentials({ [key]: 'x' }) }).toEqual({ key, has: true });
  });
});
