/**
 * Processor throughput: the same content blobs, served by the simulator (in its own process)
 * over HTTPS and written to Azurite, through (a) the product's processor and (b) a floor that
 * fetches with the same client, JSON.parse's the whole body, and gzips and uploads the raw bytes
 * through the same sink — no per-record work. Variants alternate (ABAB…) in one run.
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { processContentMessage } from '../../shared/processor/process-content.js';
import { createRuntime, ensureStorage, processorDeps, type Runtime } from '../../shared/runtime.js';
import { claimKey, type ClaimKey, type EventIdClaims } from '../../shared/storage/event-ids.js';
import { outputBlobName } from '../../shared/storage/names.js';
import { startAzurite } from '../azurite.js';
import { messageFor, quietLogger, startSimChild, tenantEnv } from './harness.js';
import type { BlobRef } from './sim-child.js';
import { median } from './stats.js';

export interface ThroughputOptions {
  reps: number;
  hours: number;
  eventsPerHour: number;
  /** Blobs in flight at once, for both variants (host.json batchSize). */
  concurrency: number;
}

export interface ThroughputResult {
  blobs: number;
  recordsPerRep: number;
  bytesPerRep: number;
  pipelineEps: number[];
  floorEps: number[];
  ratios: number[];
  medianPipelineEps: number;
  medianFloorEps: number;
  medianRatio: number;
  /** The processor with event-Id claims held in memory (no claim-table round trips). */
  memClaimsEps: number[];
  /** Attempts that threw and were retried, all runs and variants. */
  retries: number;
  medianMemClaimsEps: number;
  medianMemClaimsRatio: number;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function runPipeline(
  rt: Runtime,
  blobs: readonly BlobRef[],
  concurrency: number,
  claims?: EventIdClaims,
) {
  let records = 0;
  const listedAt = new Date().toISOString();
  let retries = 0;
  await pool(blobs, concurrency, async (blob) => {
    const deps = claims ? { ...processorDeps(rt), claims } : processorDeps(rt);
    // As the queue trigger does: a thrown (retryable) error is another attempt, up to maxDequeueCount.
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await processContentMessage(
          messageFor(rt.config.tenantId, blob, listedAt),
          attempt,
          deps,
        );
        if (outcome.status !== 'done') throw new Error(`blob ${blob.contentId}: ${outcome.status}`);
        records += outcome.counts.events;
        return;
      } catch (err) {
        if (attempt >= deps.maxDequeueCount) throw err;
        retries += 1;
      }
    }
  });
  return { records, bytes: 0, retries };
}

/**
 * Event-Id claims held in memory instead of the claim table: the same ownership rule (first
 * content to claim an Id owns it), without the table round trips — to size what they cost.
 */
function memoryClaims(): EventIdClaims {
  const owners = new Map<string, string>();
  return {
    session: (owner) => {
      const claimKeys = (keys: readonly ClaimKey[]) =>
        Promise.resolve(
          keys.map(({ partitionKey, rowKey }) => {
            const key = `${partitionKey}/${rowKey}`;
            const current = owners.get(key);
            if (current === undefined) owners.set(key, owner.contentId);
            return current === undefined || current === owner.contentId;
          }),
        );
      return {
        claimKeys,
        claim: async (records) => {
          const keys = records.map((r) => claimKey(owner.tenantId, r));
          const answers = await claimKeys(keys.filter((k) => k !== undefined));
          let i = 0;
          return keys.map((k) => !k || answers[i++]!);
        },
        release: () => Promise.resolve(0),
      };
    },
    cleanup: () => Promise.resolve(0),
  };
}

/** The floor: what any collector must do at least — fetch, parse, compress, upload. */
async function runFloor(rt: Runtime, blobs: readonly BlobRef[], concurrency: number) {
  let records = 0;
  let bytes = 0;
  await pool(blobs, concurrency, async (blob) => {
    const body = await rt.api.fetchContent(blob.contentUri);
    const chunks: Buffer[] = [];
    for await (const chunk of body.stream as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    const parsed = JSON.parse(raw.toString('utf8')) as unknown[];
    records += parsed.length;
    bytes += raw.length;
    const gzip = createGzip();
    Readable.from([raw]).pipe(gzip);
    const path = outputBlobName(rt.config.tenantId, blob.contentType, blob.contentId, blob.contentCreated);
    await rt.sink.write(path, gzip, () => ({
      contentId: blob.contentId,
      contentCreated: blob.contentCreated,
      events: parsed.length,
      schemaVersion: 1,
    }));
  });
  return { records, bytes, retries: 0 };
}

export async function benchThroughput(
  o: ThroughputOptions,
  note: (s: string) => void,
): Promise<ThroughputResult> {
  const azurite = await startAzurite();
  const sim = await startSimChild({ seed: 7, hours: o.hours, eventsPerHour: o.eventsPerHour });
  try {
    const blobs = await sim.blobs();
    const env = tenantEnv(sim.info, azurite.connectionString, {
      // Both variants share the client; the budget is not what is measured here.
      O365_MAX_REQUESTS_PER_MINUTE: '60000',
      // A realistic configuration: one excluded operation, findings masked (the default).
      O365_FILTER_OPERATIONS: 'FileAccessed',
    });
    const logger = quietLogger();
    const runtimeFor = async (name: string) => {
      const rt = createRuntime({
        env: {
          ...env,
          // Fresh ledger and event-Id claims per run: otherwise a later run skips or dedupes everything.
          O365_LEDGER_TABLE: `bench${name}`,
          O365_EVENT_ID_TABLE: `benchids${name}`,
          O365_OUTPUT_CONTAINER: `bench-${name}`,
        },
        extraCaPem: sim.info.caPem,
        logger,
      });
      await ensureStorage(rt);
      await rt.api.listSubscriptions(); // token and TLS session outside the timed part
      return rt;
    };
    // Warm-up (JIT, connections): a few blobs through each, untimed.
    const warm = blobs.slice(0, Math.min(10, blobs.length));
    await runFloor(await runtimeFor('warmfloor'), warm, o.concurrency);
    await runPipeline(await runtimeFor('warmpipe'), warm, o.concurrency);

    const pipelineEps: number[] = [];
    const floorEps: number[] = [];
    const memClaimsEps: number[] = [];
    let retries = 0;
    const ratios: number[] = [];
    let recordsPerRep = 0;
    let bytesPerRep = 0;
    for (let rep = 0; rep < o.reps; rep++) {
      const all = ['floor', 'pipeline', 'memclaims'] as const;
      const order = rep % 2 === 0 ? all : ([...all].reverse() as unknown as typeof all);
      const eps: Record<string, number> = {};
      for (const variant of order) {
        const rt = await runtimeFor(`${variant}${rep}`);
        const t0 = performance.now();
        const r =
          variant === 'floor'
            ? await runFloor(rt, blobs, o.concurrency)
            : await runPipeline(
                rt,
                blobs,
                o.concurrency,
                variant === 'memclaims' ? memoryClaims() : undefined,
              );
        const secs = (performance.now() - t0) / 1000;
        eps[variant] = r.records / secs;
        retries += r.retries;
        if (variant === 'floor') {
          recordsPerRep = r.records;
          bytesPerRep = r.bytes;
        }
        note(`  throughput rep ${rep + 1}/${o.reps} ${variant}: ${Math.round(eps[variant])} events/s`);
      }
      pipelineEps.push(eps.pipeline!);
      memClaimsEps.push(eps.memclaims!);
      floorEps.push(eps.floor!);
      ratios.push(eps.pipeline! / eps.floor!);
    }
    return {
      blobs: blobs.length,
      recordsPerRep,
      bytesPerRep,
      pipelineEps,
      floorEps,
      ratios,
      medianPipelineEps: median(pipelineEps),
      medianFloorEps: median(floorEps),
      medianRatio: median(ratios),
      memClaimsEps,
      retries,
      medianMemClaimsEps: median(memClaimsEps),
      medianMemClaimsRatio: median(memClaimsEps.map((e, i) => e / floorEps[i]!)),
    };
  } finally {
    await sim.close();
    await azurite.stop();
  }
}
