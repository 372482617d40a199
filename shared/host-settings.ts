/**
 * The queue trigger's semantics as host.json declares them (with the host's defaults and its
 * `AzureFunctionsJobHost__extensions__queues__*` app-setting overrides). The processor needs
 * maxDequeueCount to know its last attempt; the local runner reproduces the whole trigger.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** `hh:mm:ss` (optionally `d.hh:mm:ss` or with fractions) to milliseconds. */
export function parseTimeSpan(value: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a TimeSpan (hh:mm:ss): ${value}`);
  const [, d = '0', h = '0', min = '0', s = '0', frac = '0'] = m;
  return (
    ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 +
    Number(s) * 1000 +
    Math.round(Number(`0.${frac}`) * 1000)
  );
}

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

export function readQueueTriggerSettings(
  env: Record<string, string | undefined> = process.env,
  hostJsonPath: string | null = findHostJson() ?? null,
): QueueTriggerSettings {
  let queues: Record<string, unknown> = {};
  if (hostJsonPath) {
    const host = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as {
      extensions?: { queues?: Record<string, unknown> };
    };
    queues = host.extensions?.queues ?? {};
  }
  const pick = (key: string): unknown =>
    env[`AzureFunctionsJobHost__extensions__queues__${key}`] ?? queues[key];
  const num = (key: string, fallback: number) => {
    const v = pick(key);
    return v === undefined ? fallback : Number(v);
  };
  const span = (key: string, fallback: number) => {
    const v = pick(key);
    return v === undefined ? fallback : parseTimeSpan(typeof v === 'string' ? v : JSON.stringify(v));
  };
  const batchSize = num('batchSize', HOST_DEFAULTS.batchSize);
  return {
    batchSize,
    newBatchThreshold: num('newBatchThreshold', Math.floor(batchSize / 2)),
    maxDequeueCount: Math.max(1, num('maxDequeueCount', HOST_DEFAULTS.maxDequeueCount)),
    visibilityTimeoutMs: span('visibilityTimeout', HOST_DEFAULTS.visibilityTimeoutMs),
    maxPollingIntervalMs: span('maxPollingInterval', HOST_DEFAULTS.maxPollingIntervalMs),
    messageEncoding: pick('messageEncoding') === 'none' ? 'none' : 'base64',
  };
}
