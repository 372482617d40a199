/**
 * Event-Id claims packed into full table transactions, overlapped with the work on the next
 * records, and answered in input order with bounded memory.
 *
 * A claim transaction holds at most 100 Ids of ONE partition (tenant + hour of CreationTime), and
 * the API publishes late: in a blob, most records fall in two or three hours, the rest are spread
 * over up to two days. Claiming per micro-batch of 100 records therefore cost one transaction per
 * 9 records (measured on the simulator's blobs). Here each partition collects Ids across the
 * records held, and its transaction is sent when it is full, or when the oldest held records need
 * their answer because `window` records are waiting. Output is handed on `chunk` items at a time,
 * in input order, as soon as their claims are known.
 *
 * Held at most: `window` items, whatever the size of the blob; claim calls in flight: at most
 * `maxInFlight`. Items should be small by the time they wait here (not the parsed record; the
 * processor keeps only counts and the length of the output it spooled, see text-spool.ts): an item
 * lives across table round trips, long enough for V8 to promote it out of the young generation,
 * and promoted garbage is what grows the heap.
 */
import type { ClaimKey } from '../storage/event-ids.js';

export interface Claimable {
  /**
   * What to claim (`claimKey` of the record), or undefined for an item written whatever the claims
   * say (an invalid element, a record without an Id or time).
   */
  claim?: ClaimKey;
}

export interface ClaimedBatch<T> {
  items: T[];
  /** Per item: false when another content blob owns its Id; true otherwise. */
  owned: boolean[];
}

export interface ClaimBatchOptions {
  /** Ids per claim call: the table's transaction limit (100). */
  transaction: number;
  /** Items handed on together once all their claims are answered. */
  chunk: number;
  /** Items held waiting for their claims before the oldest ones' partitions are sent part-full. */
  window: number;
  /** Claim calls outstanding at once. */
  maxInFlight: number;
}

interface Group {
  partition: string;
  keys: ClaimKey[];
  entries: Entry<unknown>[];
  /** Set once sent; settles when the answers are stored in the entries. */
  sent?: Promise<void>;
}

interface Entry<T> {
  item: T;
  /** undefined while the claim is pending. */
  owned?: boolean;
  group?: Group;
}

/**
 * `claim` answers, for keys of one partition in order, whether this content owns each
 * (`ClaimSession.claimKeys`). A failed claim fails the iteration when its records are reached; before
 * that error leaves, every claim still in flight is awaited, so none lands after the caller has
 * moved on (to releasing this content's claims).
 */
export async function* claimInBatches<T extends Claimable>(
  items: AsyncIterable<T>,
  claim: (keys: ClaimKey[]) => Promise<boolean[]>,
  options: ClaimBatchOptions,
): AsyncGenerator<ClaimedBatch<T>> {
  const held: Entry<T>[] = [];
  const open = new Map<string, Group>();
  const inFlight = new Set<Promise<void>>();

  async function send(group: Group): Promise<void> {
    open.delete(group.partition);
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    const sent = claim(group.keys).then((answers) => {
      group.entries.forEach((e, i) => (e.owned = answers[i] !== false));
      group.entries = [];
    });
    group.sent = sent;
    group.keys = [];
    const settled: Promise<void> = sent.then(
      () => void inFlight.delete(settled),
      () => void inFlight.delete(settled),
    );
    inFlight.add(settled);
  }

  /** The oldest `n` entries' answers, sending their partitions now if they are still collecting. */
  async function answer(n: number): Promise<void> {
    const groups = new Set<Group>();
    for (let i = 0; i < n; i++) {
      const g = held[i]!.group;
      if (g && held[i]!.owned === undefined) groups.add(g);
    }
    for (const g of groups) if (!g.sent) await send(g);
    // A rejected claim rethrows here, in input order.
    await Promise.all([...groups].map((g) => g.sent!));
  }

  function take(n: number): ClaimedBatch<T> {
    const taken = held.splice(0, n);
    return { items: taken.map((e) => e.item), owned: taken.map((e) => e.owned !== false) };
  }

  function decided(n: number): boolean {
    for (let i = 0; i < n; i++) if (held[i]!.owned === undefined) return false;
    return true;
  }

  try {
    for await (const item of items) {
      const entry: Entry<T> = { item };
      if (item.claim) {
        const partition = item.claim.partitionKey;
        let group = open.get(partition);
        if (!group) open.set(partition, (group = { partition, keys: [], entries: [] }));
        group.keys.push(item.claim);
        group.entries.push(entry);
        entry.group = group;
        if (group.keys.length >= options.transaction) await send(group);
      } else {
        entry.owned = true;
      }
      held.push(entry);
      // Hand on what is already decided; make the oldest chunk decided when the window is full.
      while (held.length >= options.chunk && decided(options.chunk)) yield take(options.chunk);
      if (held.length >= options.window) {
        await answer(options.chunk);
        yield take(options.chunk);
      }
    }
    while (held.length > 0) {
      const n = Math.min(options.chunk, held.length);
      await answer(n);
      yield take(n);
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}
