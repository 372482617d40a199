/**
 * Peak RSS while processing ONE content blob of about 10, 50 and 100 MB, each in a fresh child
 * process; the blob comes from the simulator in another process, so generating it is never
 * counted. The peer baseline (buffer + JSON.parse) runs on the same blob in the same run.
 */
import path from 'node:path';
import { startAzurite } from '../azurite.js';
import { startSimulator } from '../simulator/index.js';
import { BENCH_DIR, messageFor, runJsonChild, startSimChild, tenantEnv } from './harness.js';
import { median } from './stats.js';

export interface MemoryChildResult {
  mode: string;
  maxRssKb: number;
  vmHwmKb: number;
  baseKb: number;
  bytes: number;
  records: number;
  ms: number;
}

export interface MemorySize {
  targetMb: number;
  blobBytes: number;
  records: number;
  pipelineRssKb: number[];
  peerRssKb: number[];
  peerErrors: string[];
  pipelineMs: number[];
  medianPipelineKb: number;
  medianPeerKb: number;
}

export interface MemoryResult {
  idleRssKb: number[];
  medianIdleKb: number;
  sizes: MemorySize[];
}

const CONTENT_TYPE = 'DLP.All' as const;
const CALIBRATION_EVENTS = 2000;

/** Records needed for a blob of `targetMb`, and the events-per-hour setting that yields them. */
async function calibrate(): Promise<{ bytesPerRecord: number; recordsPerEvent: number }> {
  const sim = await startSimulator({
    seed: 11,
    hours: 2,
    eventsPerHour: CALIBRATION_EVENTS,
    blobsPerHour: 1,
  });
  try {
    const tenant = sim.tenants[0]!.tenantId;
    const blob = sim.blobs(tenant, CONTENT_TYPE)[0]!;
    const records = sim.blobRecords?.(tenant, blob.contentId) ?? [];
    return {
      bytesPerRecord: Buffer.byteLength(JSON.stringify(records)) / records.length,
      recordsPerEvent: blob.recordCount / CALIBRATION_EVENTS,
    };
  } finally {
    await sim.close();
  }
}

export async function benchMemory(
  o: { sizesMb: number[]; reps: number },
  note: (s: string) => void,
): Promise<MemoryResult> {
  const cal = await calibrate();
  const azurite = await startAzurite();
  const script = path.join(BENCH_DIR, 'memory-child.js');
  const result: MemoryResult = { idleRssKb: [], medianIdleKb: Number.NaN, sizes: [] };
  try {
    for (const targetMb of o.sizesMb) {
      const eventsPerHour = Math.round((targetMb * 1024 * 1024) / cal.bytesPerRecord / cal.recordsPerEvent);
      const sim = await startSimChild({ seed: 11, hours: 2, eventsPerHour, blobsPerHour: 1 });
      try {
        const blob = (await sim.blobs([CONTENT_TYPE]))[0]!;
        const env = {
          ...process.env,
          ...tenantEnv(sim.info, azurite.connectionString, { O365_LEDGER_TABLE: `mem${targetMb}` }),
          BENCH_CA_PEM: sim.info.caPem,
        };
        const message = JSON.stringify(messageFor(sim.info.tenantId, blob, new Date().toISOString()));
        const size: MemorySize = {
          targetMb,
          blobBytes: 0,
          records: blob.recordCount,
          pipelineRssKb: [],
          peerRssKb: [],
          peerErrors: [],
          pipelineMs: [],
          medianPipelineKb: Number.NaN,
          medianPeerKb: Number.NaN,
        };
        if (result.idleRssKb.length === 0) {
          for (let i = 0; i < o.reps; i++) {
            const r = await runJsonChild<MemoryChildResult>(script, ['idle', message], { env });
            if (r.result) result.idleRssKb.push(r.result.maxRssKb);
          }
          result.medianIdleKb = median(result.idleRssKb);
        }
        for (let rep = 0; rep < o.reps; rep++) {
          const order = rep % 2 === 0 ? ['pipeline', 'peer'] : ['peer', 'pipeline'];
          for (const mode of order) {
            // A fresh ledger table each time, so the processor never skips a blob it already did.
            const r = await runJsonChild<MemoryChildResult>(script, [mode, message], {
              env: {
                ...env,
                O365_LEDGER_TABLE: `mem${targetMb}r${rep}${mode}`,
                O365_EVENT_ID_TABLE: `memids${targetMb}r${rep}${mode}`,
              },
            });
            if (!r.result) {
              if (mode === 'peer') size.peerErrors.push(r.error ?? 'failed');
              else throw new Error(`memory child (${mode}, ${targetMb} MB) failed: ${r.error}`);
              continue;
            }
            if (mode === 'pipeline') {
              size.pipelineRssKb.push(r.result.maxRssKb);
              size.pipelineMs.push(r.result.ms);
              size.blobBytes = r.result.bytes;
              size.records = r.result.records;
            } else {
              size.peerRssKb.push(r.result.maxRssKb);
              size.blobBytes = r.result.bytes;
            }
            note(
              `  memory ${targetMb} MB rep ${rep + 1}/${o.reps} ${mode}: peak RSS ${Math.round(r.result.maxRssKb / 1024)} MB`,
            );
          }
        }
        size.medianPipelineKb = median(size.pipelineRssKb);
        size.medianPeerKb = median(size.peerRssKb);
        result.sizes.push(size);
      } finally {
        await sim.close();
      }
    }
    return result;
  } finally {
    await azurite.stop();
  }
}
