/** Builds a runtime for one CLI command from the same settings as the functions and `run`. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createLogger } from '../../shared/logger.js';
import { createRuntime, ensureStorage, type Runtime } from '../../shared/runtime.js';
import { prepareLocalEnvironment, storageOnlyRuntime } from '../runner/environment.js';
import { UsageError, type CliIo } from './command.js';

/**
 * `needs: 'storage'` (status, events, poison replay): against external storage without credentials
 * the command runs on the configured O365_TENANT_ID with no API client; `'api'` refuses that case.
 */
export async function withRuntime<T>(
  io: CliIo,
  fn: (rt: Runtime) => Promise<T>,
  needs: 'api' | 'storage' = 'api',
): Promise<T> {
  const local = await prepareLocalEnvironment({ cwd: io.cwd, env: io.env, needs });
  try {
    for (const note of local.notes) io.err(`o365-pipeline: ${note}`);
    const logger = createLogger((level, line) => {
      if (level === 'warn' || level === 'error') io.err(line);
    });
    const rt = local.storageOnly
      ? createRuntime({ ...storageOnlyRuntime(local.env), logger })
      : createRuntime({ env: local.env, extraCaPem: local.extraCaPem, logger });
    await ensureStorage(rt);
    return await fn(rt);
  } finally {
    await local.close();
  }
}

/** `withRuntime` for commands that only read and write the pipeline's storage. */
export function withStorageRuntime<T>(io: CliIo, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  return withRuntime(io, fn, 'storage');
}

/** node:util parseArgs with usage errors instead of exceptions. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function intOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return Number(value);
}
