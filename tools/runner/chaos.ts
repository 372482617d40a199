/**
 * Fault-injection seam of the local runner (used only by the reliability suite): given the
 * environment, wraps the runtime's dependencies so the process kills itself (SIGKILL, no cleanup,
 * like a host crash or an OOM kill) at a chosen point. Without the chaos settings the runtime is
 * returned unchanged.
 *
 * `O365_CHAOS_CRASH_AT` = CSV of `point:N` — crash at the Nth occurrence of the point in this process:
 * - `list` — a listing response arrived but was not used yet (during listing);
 * - `enqueue-before-ledger` — messages are on the queue, their ledger row is not written;
 * - `ledger-before-checkpoint` — ledger rows are written, the checkpoint write is about to happen;
 * - `upload` — an output upload has consumed part of its stream and is not committed.
 *
 * `O365_CHAOS_LEASE_SECONDS` shortens the runner's queue lease (60 s, renewed), so messages a killed
 * process had received come back within seconds instead of a minute.
 */
import { writeSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import type { QueueClient } from '@azure/storage-queue';
import type { Runtime } from '../../shared/runtime.js';

export const CRASH_POINTS = ['list', 'enqueue-before-ledger', 'ledger-before-checkpoint', 'upload'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The line a crashing process writes to stderr just before it dies (the suite counts them). */
export const CRASH_MARK = 'o365-chaos: crash';

export function parseCrashAt(value: string | undefined): Map<CrashPoint, number> {
  const out = new Map<CrashPoint, number>();
  for (const part of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([a-z-]+):(\d+)$/.exec(part);
    const point = m?.[1] as CrashPoint | undefined;
    if (!m || !point || !CRASH_POINTS.includes(point) || Number(m[2]) < 1)
      throw new Error(
        `O365_CHAOS_CRASH_AT: ${JSON.stringify(part)} is not valid; accepted: a CSV of point:N with point one of ${CRASH_POINTS.join(', ')} and N ≥ 1`,
      );
    out.set(point, Number(m[2]));
  }
  return out;
}

function crash(point: CrashPoint, n: number): never {
  // Synchronous write: the SIGKILL below leaves no chance to flush buffered streams.
  writeSync(2, `${CRASH_MARK} point=${point} n=${n} pid=${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}

/** `target` with some methods replaced; every other member still works on the original object. */
function override<T extends object>(target: T, replaced: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (Object.prototype.hasOwnProperty.call(replaced, prop)) return replaced[prop as keyof T];
      const value: unknown = Reflect.get(t, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

export function applyChaos(rt: Runtime, env: Record<string, string | undefined>): Runtime {
  const plan = parseCrashAt(env.O365_CHAOS_CRASH_AT);
  const lease = env.O365_CHAOS_LEASE_SECONDS ? Number(env.O365_CHAOS_LEASE_SECONDS) : undefined;
  if (plan.size === 0 && lease === undefined) return rt;
  const seen = new Map<CrashPoint, number>();
  /** Counts one occurrence; crashes when it is the planned one. */
  const hit = (point: CrashPoint): void => {
    const n = (seen.get(point) ?? 0) + 1;
    seen.set(point, n);
    if (plan.get(point) === n) crash(point, n);
  };

  const api = override(rt.api, {
    listContent: async (...args: Parameters<Runtime['api']['listContent']>) => {
      const result = await rt.api.listContent(...args);
      hit('list');
      return result;
    },
  });
  const ledger = override(rt.ledger, {
    recordEnqueued: (entry: Parameters<Runtime['ledger']['recordEnqueued']>[0]) => {
      hit('enqueue-before-ledger');
      return rt.ledger.recordEnqueued(entry);
    },
  });
  const checkpoints = override(rt.checkpoints, {
    write: (...args: Parameters<Runtime['checkpoints']['write']>) => {
      hit('ledger-before-checkpoint');
      return rt.checkpoints.write(...args);
    },
  });

  const sink: Runtime['sink'] = {
    write(path, gzipStream: Readable, metadata) {
      const n = (seen.get('upload') ?? 0) + 1;
      if (plan.get('upload') !== n) {
        seen.set('upload', n);
        return rt.sink.write(path, gzipStream, metadata);
      }
      // Let the upload take the first chunk, then die before the blob is committed.
      const tap = new PassThrough();
      let chunks = 0;
      gzipStream.on('data', () => {
        if (++chunks === 1) setImmediate(() => hit('upload'));
      });
      gzipStream.pipe(tap);
      return rt.sink.write(path, tap, metadata);
    },
  };

  const clients = { ...rt.clients };
  if (lease !== undefined && Number.isFinite(lease) && lease > 0) {
    const queue = rt.clients.queue;
    clients.queue = override(queue, {
      receiveMessages: (options?: Parameters<QueueClient['receiveMessages']>[0]) =>
        queue.receiveMessages({
          ...options,
          visibilityTimeout: Math.min(options?.visibilityTimeout ?? lease, lease),
        }),
      // Lease renewals are capped too, so a held message still comes back within `lease` seconds.
      updateMessage: (...args: Parameters<QueueClient['updateMessage']>) => {
        const [id, popReceipt, message, visibility, options] = args;
        return queue.updateMessage(id, popReceipt, message, Math.min(visibility ?? lease, lease), options);
      },
    });
  }
  return { ...rt, api, ledger, checkpoints, sink, clients };
}
