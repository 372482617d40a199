/**
 * Reproduces the Functions queue trigger locally, from host.json: receive up to batchSize
 * messages, and another batch whenever no more than newBatchThreshold are still in flight; decode base64, hand the handler a parsed object (JSON) or a string, with
 * `dequeueCount` in the trigger metadata; delete on success; on failure make the message visible
 * again after visibilityTimeout, or move it to `<queue>-poison` after maxDequeueCount attempts.
 */
import { randomUUID } from 'node:crypto';
import azureFunctions, { type InvocationContext as InvocationContextType } from '@azure/functions';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { QueueTriggerSettings } from '../../shared/host-settings.js';
import type { Logger } from '../../shared/logger.js';

// @azure/functions is CommonJS; Node's ESM loader only sees its default export.
const { InvocationContext } = azureFunctions;

/**
 * How long a received message stays invisible while its invocation runs. The Functions host holds
 * messages for 10 minutes and renews; the runner holds them for a minute and renews every third of
 * that, so a runner killed mid-batch hands its messages back within a minute, not ten.
 */
export const DEFAULT_LEASE_SECONDS = 60;

export type QueueHandler = (entry: unknown, context: InvocationContextType) => Promise<unknown>;

export interface MessageResult {
  messageId: string;
  payload: unknown;
  dequeueCount: number;
  ok: boolean;
  result?: unknown;
  error?: unknown;
  poisoned: boolean;
}

export interface QueueDriverOptions {
  queue: QueueClient;
  poison: QueueClient;
  settings: QueueTriggerSettings;
  handler: QueueHandler;
  functionName: string;
  logger: Logger;
  /** Where the InvocationContext's log calls go. */
  logHandler?: (level: string, ...args: unknown[]) => void;
  onResult?: (r: MessageResult) => void;
  /** Lease (visibility while processing), renewed while the handler runs. Default 60 s. */
  leaseSeconds?: number;
}

/** The message is gone or was received again by someone else (its pop receipt changed). */
function isLeaseLost(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return status === 404 || status === 400;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodePayload(
  text: string,
  encoding: 'base64' | 'none',
): { ok: true; payload: unknown; decoded: string } | { ok: false; reason: string } {
  let decoded = text;
  if (encoding === 'base64') {
    if (!BASE64.test(text)) return { ok: false, reason: 'The input is not a valid Base-64 string' };
    decoded = Buffer.from(text, 'base64').toString('utf8');
  }
  try {
    return { ok: true, payload: JSON.parse(decoded) as unknown, decoded };
  } catch {
    return { ok: true, payload: decoded, decoded };
  }
}

export class QueueDriver {
  /** Messages being processed; each promise settles (never rejects) when its message is settled. */
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private readonly leaseSeconds: number;
  constructor(private readonly o: QueueDriverOptions) {
    this.leaseSeconds = Math.max(1, Math.ceil(o.leaseSeconds ?? DEFAULT_LEASE_SECONDS));
  }

  /** Messages being processed now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * The host's rhythm: once no more than `newBatchThreshold` messages are in flight, receive up to
   * `batchSize` more and start them, so at most batchSize + newBatchThreshold run at once. Returns
   * how many were received (0 when the threshold is not reached yet). Throws the first failure of
   * a message's own handling (storage errors while settling it), once.
   */
  async fill(): Promise<number> {
    this.rethrow();
    if (this.pending.size > this.o.settings.newBatchThreshold) return 0;
    const batch = await this.o.queue.receiveMessages({
      numberOfMessages: Math.min(32, this.o.settings.batchSize),
      visibilityTimeout: this.leaseSeconds,
    });
    for (const m of batch.receivedMessageItems) {
      const p: Promise<void> = this.handle(m).then(
        () => void this.pending.delete(p),
        (error: unknown) => {
          this.pending.delete(p);
          this.failure ??= { error };
        },
      );
      this.pending.add(p);
    }
    return batch.receivedMessageItems.length;
  }

  /**
   * Resolves when one in-flight message is settled (at once if none is). Never rejects, so it can
   * race a timer: a failure surfaces at the next `fill`, `settled` or `drain`.
   */
  async next(): Promise<void> {
    if (this.pending.size > 0) await Promise.race(this.pending);
  }

  /** Resolves when every in-flight message is settled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.race(this.pending);
    this.rethrow();
  }

  /** One receive, then wait until that batch is settled; returns how many messages were received. */
  async pollOnce(): Promise<number> {
    await this.settled();
    const received = await this.fill();
    await this.settled();
    return received;
  }

  /**
   * Process until the queue holds no message at all (visible or waiting for a retry), or `signal`
   * aborts. Either way, the messages in flight are finished before it returns.
   */
  async drain(signal?: AbortSignal, idleWaitMs = 250): Promise<void> {
    let stopped: { error: unknown } | undefined;
    try {
      for (;;) {
        if (signal?.aborted) break;
        const received = await this.fill();
        if (this.pending.size > this.o.settings.newBatchThreshold) {
          await this.next();
        } else if (received === 0 && this.pending.size > 0) {
          await Promise.race([this.next(), delay(idleWaitMs)]);
        } else if (received === 0) {
          const props = await this.o.queue.getProperties();
          if ((props.approximateMessagesCount ?? 0) === 0 && this.pending.size === 0) break;
          await delay(idleWaitMs);
        }
      }
    } catch (error) {
      stopped = { error };
    }
    while (this.pending.size > 0) await Promise.race(this.pending);
    if (stopped) throw stopped.error;
    this.rethrow();
  }

  private rethrow(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    throw failure.error;
  }

  private async handle(m: DequeuedMessageItem): Promise<void> {
    const lease = { popReceipt: m.popReceipt, lost: false };
    const renew = setInterval(
      () => void this.renew(m.messageId, lease),
      Math.max(500, (this.leaseSeconds * 1000) / 3),
    );
    try {
      await this.invoke(m, lease);
    } finally {
      clearInterval(renew);
    }
  }

  /** Push the message's visibility out by another lease; the new pop receipt replaces the old. */
  private async renew(messageId: string, lease: { popReceipt: string; lost: boolean }): Promise<void> {
    if (lease.lost) return;
    try {
      const r = await this.o.queue.updateMessage(messageId, lease.popReceipt, undefined, this.leaseSeconds);
      if (r.popReceipt) lease.popReceipt = r.popReceipt;
    } catch (error) {
      if (isLeaseLost(error)) lease.lost = true;
      this.o.logger.warn('queue.lease_renewal_failed', { messageId, error: String(error) });
    }
  }

  /**
   * Settle a message with its latest pop receipt. A message whose lease was lost (it became visible
   * and someone else received it, or it is gone) is left to its new holder: processing is
   * idempotent, so the worst case is the same blob processed twice, with the same output.
   */
  private async settle(
    messageId: string,
    lease: { lost: boolean },
    action: () => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (error) {
      if (!isLeaseLost(error)) throw error;
      lease.lost = true;
      this.o.logger.warn('queue.lease_lost', { messageId, error: String(error) });
      return false;
    }
  }

  private async invoke(m: DequeuedMessageItem, lease: { popReceipt: string; lost: boolean }): Promise<void> {
    const { settings, logger } = this.o;
    const decoded = decodePayload(m.messageText, settings.messageEncoding);
    let result: MessageResult;
    if (!decoded.ok) {
      // The host fails such a message before the function runs; it ends in the poison queue.
      logger.error('queue.undecodable_message', {
        messageId: m.messageId,
        reason: decoded.reason,
        dequeueCount: m.dequeueCount,
      });
      result = {
        messageId: m.messageId,
        payload: m.messageText,
        dequeueCount: m.dequeueCount,
        ok: false,
        error: new Error(decoded.reason),
        poisoned: false,
      };
    } else {
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: this.o.functionName,
        logHandler: this.o.logHandler ?? (() => undefined),
        triggerMetadata: {
          dequeueCount: m.dequeueCount,
          id: m.messageId,
          insertionTime: m.insertedOn.toISOString(),
          expirationTime: m.expiresOn.toISOString(),
          nextVisibleTime: m.nextVisibleOn.toISOString(),
          popReceipt: m.popReceipt,
          queueTrigger: decoded.decoded,
        },
      });
      try {
        const value = await this.o.handler(decoded.payload, context);
        result = {
          messageId: m.messageId,
          payload: decoded.payload,
          dequeueCount: m.dequeueCount,
          ok: true,
          result: value,
          poisoned: false,
        };
      } catch (error) {
        result = {
          messageId: m.messageId,
          payload: decoded.payload,
          dequeueCount: m.dequeueCount,
          ok: false,
          error,
          poisoned: false,
        };
      }
    }
    const id = m.messageId;
    if (result.ok) {
      await this.settle(id, lease, () => this.o.queue.deleteMessage(id, lease.popReceipt));
    } else if (m.dequeueCount >= settings.maxDequeueCount) {
      // Copy to poison before deleting: a crash in between leaves a duplicate, never a loss.
      await this.o.poison.createIfNotExists();
      await this.o.poison.sendMessage(m.messageText);
      result.poisoned = true;
      logger.error('queue.poisoned', {
        messageId: id,
        dequeueCount: m.dequeueCount,
        queue: this.o.poison.name,
      });
      await this.settle(id, lease, () => this.o.queue.deleteMessage(id, lease.popReceipt));
    } else {
      await this.settle(id, lease, () =>
        this.o.queue.updateMessage(
          id,
          lease.popReceipt,
          undefined,
          Math.ceil(settings.visibilityTimeoutMs / 1000),
        ),
      );
    }
    this.o.onResult?.(result);
  }
}
