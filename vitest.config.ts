import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Azurite and use unique resource names; files run in parallel on 2 cores.
    pool: 'forks',
    // Memory tests force collections to measure live memory, not garbage awaiting GC.
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
  },
});
