/** Per-test storage on the shared Azurite: unique names, created on demand. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { StorageConnection } from '../../shared/config.js';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients.js';

export function azuriteConnection(): StorageConnection {
  return { kind: 'connectionString', connectionString: inject('azurite') };
}

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function testStorage(): StorageClients {
  return createStorageClients(azuriteConnection());
}
