/**
 * Shared pieces of the bad-input corpus: a trap server that counts every connection (a token must
 * never reach it), the queue driver wired to the real process handler, and the leak scan of the
 * captured log lines.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeProcessHandler } from '../../../functions/process-content.js';
import type { Runtime } from '../../../shared/runtime.js';
import { needlesFor, scanForLeaks } from '../../../tools/chaos/leaks.js';
import { QueueDriver, type MessageResult } from '../../../tools/runner/queue-driver.js';
import type { SimTenant } from '../../../tools/simulator/types.js';

export interface Trap {
  origin: string;
  connections: () => number;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that accepts and counts connections, then drops them. */
export async function startTrap(): Promise<Trap> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Drain the runtime's queue through the real handler, as the queue trigger would, with a bound. */
export async function drainQueue(rt: Runtime, timeoutMs = 60_000): Promise<MessageResult[]> {
  const results: MessageResult[] = [];
  const driver = new QueueDriver({
    queue: rt.clients.queue,
    poison: rt.clients.poison,
    settings: rt.queueTrigger,
    handler: makeProcessHandler(() => rt),
    functionName: 'processContent',
    logger: rt.logger,
    onResult: (r) => results.push(r),
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    await driver.drain(abort.signal, 50);
  } finally {
    clearTimeout(timer);
  }
  if (abort.signal.aborted) throw new Error(`the queue did not drain within ${timeoutMs} ms`);
  return results;
}

/** Leak hits in captured log lines (secret, key, bearer/JWT). */
export function leaksIn(lines: readonly string[], tenant: SimTenant, dlpValues: readonly string[] = []) {
  return scanForLeaks([{ source: 'log', text: lines.join('\n') }], needlesFor(tenant, dlpValues));
}

export const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
