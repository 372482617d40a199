import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimInBatches, type ClaimBatchOptions } from '../../../shared/processor/claim-batches.js';
import type { ClaimKey } from '../../../shared/storage/event-ids.js';

interface Item {
  n: number;
  claim?: ClaimKey;
}

const item = (n: number, partition: string | undefined): Item =>
  partition === undefined ? { n } : { n, claim: { partitionKey: partition, rowKey: `id-${n}` } };

/** A claim table in memory whose answers the test releases by hand; records every call. */
function manualClaims(owner: (id: string) => boolean = () => true) {
  interface Call {
    ids: string[];
    settled: boolean;
    resolve(): void;
    reject(e: Error): void;
  }
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const claim = (keys: ClaimKey[]) =>
    new Promise<boolean[]>((resolve, reject) => {
      const ids = keys.map((k) => k.rowKey);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const call: Call = {
        ids,
        settled: false,
        resolve: () => {
          call.settled = true;
          inFlight -= 1;
          resolve(ids.map(owner));
        },
        reject: (e) => {
          call.settled = true;
          inFlight -= 1;
          reject(e);
        },
      };
      calls.push(call);
    });
  /** Answers the oldest pending call; false when none is pending. */
  const answerOldest = () => {
    const call = calls.find((c) => !c.settled);
    call?.resolve();
    return call !== undefined;
  };
  return { claim, calls, answerOldest, stats: () => ({ inFlight, maxInFlight }) };
}

async function* source(items: Item[], pulled: { count: number }) {
  for (const i of items) {
    await Promise.resolve(); // as a parser reading a stream would
    pulled.count += 1;
    yield i;
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

const options: ClaimBatchOptions = { transaction: 3, chunk: 2, window: 6, maxInFlight: 2 };

describe('claimInBatches', () => {
  it('packs each partition into transactions of up to `transaction` Ids and answers in input order', async () => {
    // Partition "a" fills a transaction on its own; "b" and "c" are sent part-full at the end.
    const items = [item(1, 'a'), item(2, 'b'), item(3, 'a'), item(4, undefined), item(5, 'a'), item(6, 'c')];
    const claims = manualClaims((id) => id !== 'id-3');
    const out: { n: number; owned: boolean }[] = [];
    const run = (async () => {
      for await (const b of claimInBatches(source(items, { count: 0 }), claims.claim, {
        ...options,
        window: 100,
      }))
        b.items.forEach((it, i) => out.push({ n: it.n, owned: b.owned[i]! }));
    })();
    while (claims.calls.length < 3 || claims.calls.some((c) => !c.settled)) {
      await settle();
      claims.answerOldest();
    }
    await run;
    expect(claims.calls.map((c) => c.ids)).toEqual([['id-1', 'id-3', 'id-5'], ['id-2'], ['id-6']]);
    expect(out).toEqual([
      { n: 1, owned: true },
      { n: 2, owned: true },
      { n: 3, owned: false },
      { n: 4, owned: true },
      { n: 5, owned: true },
      { n: 6, owned: true },
    ]);
  });

  it('holds at most `window` items while claims are pending, and keeps `maxInFlight` claims out', async () => {
    // Every record in its own partition: nothing fills a transaction, the window forces the sends.
    const items = Array.from({ length: 40 }, (_, n) => item(n, `p${n}`));
    const claims = manualClaims();
    const pulled = { count: 0 };
    let handedOn = 0;
    const run = (async () => {
      for await (const b of claimInBatches(source(items, pulled), claims.claim, options))
        handedOn += b.items.length;
    })();
    await settle();
    // Nothing answered yet: the source was read up to the window and no further.
    expect(pulled.count).toBe(options.window);
    expect(claims.stats().inFlight).toBe(options.maxInFlight);
    while (handedOn < items.length) {
      claims.answerOldest();
      await settle();
      expect(pulled.count - handedOn).toBeLessThanOrEqual(options.window);
      expect(claims.stats().inFlight).toBeLessThanOrEqual(options.maxInFlight);
    }
    await run;
    expect(claims.stats().maxInFlight).toBe(options.maxInFlight);
  });

  it('a failed claim fails the iteration, after every claim in flight has settled', async () => {
    const items = Array.from({ length: 12 }, (_, n) => item(n, `p${n % 4}`));
    const claims = manualClaims();
    const run = (async () => {
      for await (const b of claimInBatches(source(items, { count: 0 }), claims.claim, options)) void b;
    })();
    const outcome = run.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await settle();
    claims.calls[0]!.reject(new Error('table unavailable'));
    await settle();
    let finished = false;
    void outcome.then(() => (finished = true));
    await settle();
    // The other claim is still out: the error waits for it.
    expect(finished).toBe(false);
    while (claims.answerOldest()) await settle();
    expect(await outcome).toBe('table unavailable');
    expect(claims.stats().inFlight).toBe(0);
  });

  it('property: every item comes out once, in order, owned exactly when its claim said so', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), { maxLength: 60 }),
        fc.record({
          transaction: fc.integer({ min: 1, max: 5 }),
          chunk: fc.integer({ min: 1, max: 4 }),
          extra: fc.integer({ min: 0, max: 8 }),
          maxInFlight: fc.integer({ min: 1, max: 4 }),
        }),
        async (parts, o) => {
          const items = parts.map((p, n) => item(n, p === undefined ? undefined : `p${p}`));
          const owner = (id: string) => Number(id.slice(3)) % 3 !== 0;
          const claim = (keys: ClaimKey[]) =>
            new Promise<boolean[]>((resolve) =>
              setImmediate(() => resolve(keys.map((k) => owner(k.rowKey)))),
            );
          const out: [number, boolean][] = [];
          const opts = {
            transaction: o.transaction,
            chunk: o.chunk,
            window: o.chunk + o.extra,
            maxInFlight: o.maxInFlight,
          };
          for await (const b of claimInBatches(source(items, { count: 0 }), claim, opts))
            b.items.forEach((it, i) => out.push([it.n, b.owned[i]!]));
          expect(out).toEqual(items.map((it) => [it.n, it.claim ? owner(`id-${it.n}`) : true]));
        },
      ),
      { numRuns: 200 },
    );
  });
});
