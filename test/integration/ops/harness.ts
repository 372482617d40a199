/**
 * Shared set-up of the operations tests: settings for one test against a simulator tenant and
 * unique Azurite resources, a runtime wired to the simulator CA, and request/context builders.
 */
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { inject } from 'vitest';
import { memoryLogger } from '../../../shared/logger.js';
import { createRuntime, ensureStorage, type Runtime } from '../../../shared/runtime.js';
import type { ContentMessage } from '../../../shared/storage/types.js';
import type { RunningSimulator } from '../../../tools/simulator/index.js';
import { uniqueName } from '../../helpers/storage.js';

export type Env = Record<string, string>;

/** Settings of one test: the simulator's first tenant and uniquely named queue, tables and container. */
export function simEnv(sim: RunningSimulator, extra: Env = {}): Env {
  const t = sim.tenants[0]!;
  return {
    O365_TENANT_ID: t.tenantId,
    O365_CLIENT_ID: t.clientId,
    O365_CLIENT_SECRET: t.clientSecret,
    O365_API_ROOT: sim.apiRoot,
    O365_LOGIN_AUTHORITY: sim.loginAuthority,
    AzureWebJobsStorage: inject('azurite'),
    O365_QUEUE_NAME: uniqueName('q'),
    O365_CHECKPOINT_TABLE: uniqueName('cp'),
    O365_LEDGER_TABLE: uniqueName('ledger'),
    O365_EVENT_ID_TABLE: uniqueName('evid'),
    O365_OUTPUT_CONTAINER: uniqueName('out'),
    ...extra,
  };
}

export async function simRuntime(
  sim: RunningSimulator,
  env: Env,
): Promise<Runtime & { logger: ReturnType<typeof memoryLogger> }> {
  const logger = memoryLogger();
  const rt = createRuntime({ env, extraCaPem: sim.caPem, logger });
  await ensureStorage(rt);
  return { ...rt, logger };
}

/**
 * The CLI and the local runner take no CA option when credentials are set: outside tests the
 * operator trusts a private CA with NODE_EXTRA_CA_CERTS at process start. In-process, the same
 * effect is the process-wide default CA list; returns the function that restores it.
 */
export function trustCaProcessWide(caPem: string): () => void {
  const before = getCACertificates('default');
  setDefaultCACertificates([...before, caPem]);
  return () => setDefaultCACertificates(before);
}

export function request(init: {
  method: string;
  route: string;
  body?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  query?: Record<string, string>;
}): HttpRequest {
  const url = new URL(`https://app.example.net/api/${init.route}`);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  return new HttpRequest({
    method: init.method,
    url: url.href,
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
    headers: init.headers ?? {},
    params: init.params ?? {},
    query: init.query ?? {},
  });
}

export function context(name = 'test'): { ctx: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const ctx = new InvocationContext({
    functionName: name,
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
  });
  return { ctx, lines };
}

/** Read and delete every message of the content queue, decoded as the processor would. */
export async function drainQueue(rt: Runtime): Promise<ContentMessage[]> {
  const out: ContentMessage[] = [];
  for (;;) {
    const r = await rt.clients.queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    if (r.receivedMessageItems.length === 0) return out;
    for (const m of r.receivedMessageItems) {
      out.push(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as ContentMessage);
      await rt.clients.queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

/** Every output blob of a container: name, properties and its NDJSON lines. */
export async function readOutput(rt: Runtime): Promise<
  Array<{
    name: string;
    lines: string[];
    contentType?: string;
    contentEncoding?: string;
    metadata: Record<string, string>;
    contentId: string;
  }>
> {
  const blobs = [];
  for await (const b of rt.clients.container.listBlobsFlat({ includeMetadata: true })) {
    const client = rt.clients.container.getBlobClient(b.name);
    const text = gunzipSync(await client.downloadToBuffer()).toString('utf8');
    blobs.push({
      name: b.name,
      lines: text.split('\n').filter((l) => l !== ''),
      contentType: b.properties.contentType,
      contentEncoding: b.properties.contentEncoding,
      metadata: b.metadata ?? {},
      // Metadata values are ASCII only: the sink stores the contentId URI-encoded.
      contentId: decodeURIComponent(b.metadata?.contentid ?? ''),
    });
  }
  return blobs;
}

/** Every DLP matched value (DetectedValues[].Name) in a set of raw records. */
export function detectedValues(records: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k === 'DetectedValues' && Array.isArray(child)) {
          for (const d of child as Array<{ Name?: unknown }>)
            if (typeof d.Name === 'string') out.push(d.Name);
        } else walk(child);
      }
    }
  };
  walk(records);
  return out;
}
