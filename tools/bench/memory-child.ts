/**
 * One content blob in a fresh process, then its peak RSS. Modes: `pipeline` (the product's
 * processor), `peer` (what other collectors do: buffer the whole body, JSON.parse it, then gzip and
 * upload — same client, same sink), `idle` (the runtime built and a token fetched, no blob).
 * Settings come from the environment; the simulator's CA from BENCH_CA_PEM.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { ManagementApi } from '../../shared/api/types.js';
import { processContentMessage } from '../../shared/processor/process-content.js';
import { createRuntime, ensureStorage, processorDeps } from '../../shared/runtime.js';
import { outputBlobName } from '../../shared/storage/names.js';
import type { ContentMessage } from '../../shared/storage/types.js';
import { quietLogger } from './harness.js';

function vmHwmKb(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

const mode = process.argv[2] ?? 'idle';
const message = JSON.parse(process.argv[3] ?? '{}') as ContentMessage;
const rt = createRuntime({ env: process.env, extraCaPem: process.env.BENCH_CA_PEM, logger: quietLogger() });
await ensureStorage(rt);
await rt.api.listSubscriptions();
const baseKb = process.resourceUsage().maxRSS;
let bytes = 0;
let records = 0;
const t0 = performance.now();

if (mode === 'pipeline') {
  const api: ManagementApi = {
    ...rt.api,
    fetchContent: async (uri, signal) => {
      const body = await rt.api.fetchContent(uri, signal);
      bytes = body.contentLength ?? Number.NaN;
      return body;
    },
  };
  const outcome = await processContentMessage(message, 1, { ...processorDeps(rt), api });
  if (outcome.status !== 'done') throw new Error(`not processed: ${JSON.stringify(outcome)}`);
  records = outcome.counts.events;
} else if (mode === 'peer') {
  const body = await rt.api.fetchContent(message.contentUri);
  const chunks: Buffer[] = [];
  for await (const chunk of body.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  bytes = raw.length;
  const parsed = JSON.parse(raw.toString('utf8')) as unknown[];
  records = parsed.length;
  const gzip = createGzip();
  Readable.from([raw]).pipe(gzip);
  const path = outputBlobName(
    rt.config.tenantId,
    message.contentType,
    message.contentId,
    message.contentCreated,
  );
  await rt.sink.write(path, gzip, () => ({
    contentId: message.contentId,
    contentCreated: message.contentCreated,
    events: parsed.length,
    schemaVersion: 1,
  }));
}

const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({ mode, maxRssKb: process.resourceUsage().maxRSS, vmHwmKb: vmHwmKb(), baseKb, bytes, records, ms })}\n`,
);
process.exit(0);
