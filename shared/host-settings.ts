/**
 * The queue trigger's semantics as host.json declares them (with the host's defaults and its
 * `AzureFunctionsJobHost__extensions__queues__*` app-setting overrides, validated by config.ts).
 * The processor needs maxDequeueCount to know its last attempt; the local runner reproduces the
 * whole trigger.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadQueueOverrides, parseTimeSpan } from './config.js';

export { parseTimeSpan };

export interface QueueTriggerSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  visibilityTimeoutMs: number;
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
}

/** Defaults of the Functions storage extension (QueuesOptions). */
export const HOST_DEFAULTS: QueueTriggerSettings = {
  batchSize: 16,
  newBatchThreshold: 8,
  maxDequeueCount: 5,
  visibilityTimeoutMs: 0,
  maxPollingIntervalMs: 60_000,
  messageEncoding: 'base64',
};

/** host.json beside the app: the project root when run from source, one level above dist/. */
export function findHostJson(
  start: string = path.dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'host.json');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/**
 * host.json `extensions.queues` with the app-setting overrides on top; `env` defaults to the
 * process environment, read (and validated) by config.ts.
 */
export function readQueueTriggerSettings(
  env?: Record<string, string | undefined>,
  hostJsonPath: string | null = findHostJson() ?? null,
): QueueTriggerSettings {
  let queues: Record<string, unknown> = {};
  if (hostJsonPath) {
    const host = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as {
      extensions?: { queues?: Record<string, unknown> };
    };
    queues = host.extensions?.queues ?? {};
  }
  const overrides = loadQueueOverrides(env);
  const num = (key: 'batchSize' | 'newBatchThreshold' | 'maxDequeueCount', fallback: number) => {
    const v = overrides[key] ?? queues[key];
    return v === undefined ? fallback : Number(v);
  };
  const span = (key: 'visibilityTimeout' | 'maxPollingInterval', fallback: number) => {
    const o = overrides[key];
    if (o !== undefined) return o;
    const v = queues[key];
    return v === undefined ? fallback : parseTimeSpan(typeof v === 'string' ? v : JSON.stringify(v));
  };
  const encoding = overrides.messageEncoding ?? queues.messageEncoding;
  const batchSize = num('batchSize', HOST_DEFAULTS.batchSize);
  return {
    batchSize,
    newBatchThreshold: num('newBatchThreshold', Math.floor(batchSize / 2)),
    maxDequeueCount: Math.max(1, num('maxDequeueCount', HOST_DEFAULTS.maxDequeueCount)),
    visibilityTimeoutMs: span('visibilityTimeout', HOST_DEFAULTS.visibilityTimeoutMs),
    maxPollingIntervalMs: span('maxPollingInterval', HOST_DEFAULTS.maxPollingIntervalMs),
    messageEncoding: encoding === 'none' ? 'none' : 'base64',
  };
}
