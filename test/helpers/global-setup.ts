/**
 * Starts one real Azurite (in memory, free ports) for the whole test run and hands its
 * connection string to the tests through `inject('azurite')`. Tests create uniquely named
 * queues, tables and containers, so files can run in parallel against it.
 */
import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuriteHandle } from '../../tools/azurite.js';

let azurite: AzuriteHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide('azurite', azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    azurite: string;
  }
}
