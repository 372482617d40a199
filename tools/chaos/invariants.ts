/**
 * The reliability invariants, checked after a scenario against the simulator's ground truth and
 * the pipeline's own storage. Each returns facts plus a list of broken rules (empty = pass).
 */
import { gunzipSync } from 'node:zlib';
import { bucketShape } from '../../shared/api/budget.js';
import { outputBlobName } from '../../shared/storage/names.js';
import type { Checkpoint, LedgerEntry } from '../../shared/storage/types.js';
import type { BlobTruth, RequestLogEntry } from '../simulator/types.js';
import { NAMES, type Stack } from './stack.js';

const DAY_MS = 86_400_000;
/** Rules of the API whose breach is a bug of ours (`blobFetchedTwice` is expected after a crash). */
export const API_RULES = [
  'window>24h',
  'window>7d',
  'noPublisherIdentifier',
  'tokenMissing',
  'tokenOtherTenant',
  'tokenSentElsewhere',
  'overQuota',
];

export interface OutputBlob {
  name: string;
  contentId: string;
  ids: string[];
  /** The NDJSON text, for the masking scan. */
  text: string;
}

export async function readOutputs(stack: Stack): Promise<OutputBlob[]> {
  const container = stack.storage().blobs.getContainerClient(NAMES.container);
  const out: OutputBlob[] = [];
  if (!(await container.exists())) return out;
  for await (const b of container.listBlobsFlat({ includeMetadata: true })) {
    const text = gunzipSync(await container.getBlobClient(b.name).downloadToBuffer()).toString('utf8');
    const ids = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => String((JSON.parse(l) as { id?: unknown }).id));
    out.push({ name: b.name, contentId: decodeURIComponent(b.metadata?.contentid ?? ''), ids, text });
  }
  return out;
}

/** Blobs that must be collected: created inside the look-back of the first run and listable before it. */
export function expectedBlobs(stack: Stack, firstRunAt: number, extra: BlobTruth[] = []): BlobTruth[] {
  const lookbackMs = Number(stack.env.O365_INITIAL_LOOKBACK_HOURS) * 3_600_000;
  const from = new Date(firstRunAt - lookbackMs + 60_000);
  const to = new Date(firstRunAt - 60_000);
  const out: BlobTruth[] = [];
  for (const ct of stack.contentTypes)
    for (const b of stack.sim.blobs(stack.tenant.tenantId, ct, from, to))
      if (Date.parse(b.listableAt) <= to.getTime()) out.push(b);
  const seen = new Set(out.map((b) => b.contentId));
  return [...out, ...extra.filter((b) => !seen.has(b.contentId))];
}

export interface OutputCheck {
  eventsChecked: number;
  lost: number;
  duplicated: number;
  blobs: number;
  problems: string[];
}

/**
 * Exactly once overall (cross-blob dedupe is on in every configuration): every expected event Id
 * (minus `filteredIds`, and minus Ids only expired content carried) is written exactly once across
 * all output blobs, so never twice in a blob and never in two blobs; an output blob holds only Ids
 * its content carried, has the deterministic name and its metadata; no two blobs hold the same
 * content; expired content has no output.
 */
export function checkOutputs(
  expected: BlobTruth[],
  outputs: OutputBlob[],
  opts: { expiredContentIds?: ReadonlySet<string>; filteredIds?: ReadonlySet<string> } = {},
): OutputCheck {
  const problems: string[] = [];
  const truth = new Map(expected.map((b) => [b.contentId, b]));
  const contentIds = new Map<string, string>();
  /** Every place each Id is written: one blob name per line. */
  const writtenIn = new Map<string, string[]>();
  for (const o of outputs) {
    for (const id of o.ids) writtenIn.set(id, [...(writtenIn.get(id) ?? []), o.name]);
    if (o.contentId === '') {
      problems.push(`output blob ${o.name} has no contentid metadata`);
      continue;
    }
    const other = contentIds.get(o.contentId);
    if (other) problems.push(`two output blobs hold content ${o.contentId}: ${other} and ${o.name}`);
    contentIds.set(o.contentId, o.name);
    const b = truth.get(o.contentId);
    if (!b) continue;
    const name = outputBlobName(b.tenantId, b.contentType, b.contentId, b.contentCreated);
    if (o.name !== name) problems.push(`output of ${o.contentId} is ${o.name}, expected ${name}`);
    if (opts.expiredContentIds?.has(b.contentId))
      problems.push(`expired content ${b.contentId} has output ${o.name}`);
    const carried = new Set(b.eventIds);
    const foreign = o.ids.filter((id) => !carried.has(id));
    if (foreign.length > 0)
      problems.push(`${o.name} holds ${foreign.length} events its content did not carry, e.g. ${foreign[0]}`);
  }
  let duplicated = 0;
  let shown = 0;
  for (const [id, where] of writtenIn)
    if (where.length > 1) {
      duplicated += where.length - 1;
      if (++shown <= 10) problems.push(`event ${id} is written ${where.length} times: ${where.join(', ')}`);
    }
  if (shown > 10) problems.push(`… ${shown} events written more than once in total`);

  /** Expected Id → the blobs that carried it (for the message when it is missing). */
  const wanted = new Map<string, string[]>();
  for (const b of expected) {
    if (opts.expiredContentIds?.has(b.contentId)) continue;
    for (const id of b.eventIds) {
      if (opts.filteredIds?.has(id)) {
        if (writtenIn.has(id)) problems.push(`filtered event ${id} was written`);
        continue;
      }
      wanted.set(id, [...(wanted.get(id) ?? []), `${b.contentType} ${b.contentId}`]);
    }
  }
  let lost = 0;
  for (const [id, carriers] of wanted)
    if (!writtenIn.has(id)) {
      lost += 1;
      if (lost <= 10) problems.push(`event ${id} is missing (carried by ${carriers.join(', ')})`);
    }
  if (lost > 10) problems.push(`… ${lost} events missing in total`);
  return { eventsChecked: wanted.size, lost, duplicated, blobs: outputs.length, problems };
}

/** No request broke the API's rules, and API requests stayed within the client-side budget. */
export function checkRequests(
  log: readonly RequestLogEntry[],
  perMinute: number,
  /** Time spans of one process each: the budget is per process (per tenant within it). */
  spans: ReadonlyArray<{ from: number; to: number; processes: number }>,
): { requests: number; problems: string[]; faults: Record<string, number>; refetched: number } {
  const problems: string[] = [];
  const faults: Record<string, number> = {};
  let refetched = 0;
  for (const e of log) {
    const broken = e.violations.filter((v) => API_RULES.includes(v));
    if (broken.length > 0) problems.push(`${e.method} ${e.url} broke ${broken.join(', ')}`);
    if (e.violations.includes('blobFetchedTwice')) refetched += 1;
    if (e.fault) faults[e.fault] = (faults[e.fault] ?? 0) + 1;
  }
  const api = log.filter((e) => e.kind !== 'token' && e.kind !== 'discovery');
  const { capacity, ratePerMs } = bucketShape(perMinute);
  for (const span of spans) {
    const times = api
      .map((e) => Date.parse(e.at))
      .filter((t) => t >= span.from && t <= span.to)
      .sort((a, b) => a - b);
    // Sliding check: any run of requests fits burst + refill over its duration (+2 for timer slack).
    let worst = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j]! - times[i]! > 60_000) i++;
      for (let k = i; k <= j; k++) {
        const allowed = span.processes * (capacity + ratePerMs * (times[j]! - times[k]!) + 2);
        worst = Math.max(worst, j - k + 1 - allowed);
      }
    }
    if (worst > 0)
      problems.push(`request rate exceeded the budget of ${perMinute}/min by ${Math.ceil(worst)} requests`);
  }
  return { requests: log.length, problems, faults, refetched };
}

/** Checkpoint samples per content type, in the order they were taken: never backwards. */
export function checkCheckpointSamples(samples: ReadonlyArray<Checkpoint[]>): string[] {
  const problems: string[] = [];
  const last = new Map<string, string>();
  for (const sample of samples)
    for (const c of sample) {
      if (!c.listedThrough) continue;
      const before = last.get(c.contentType);
      if (before && Date.parse(c.listedThrough) < Date.parse(before))
        problems.push(`checkpoint of ${c.contentType} moved back from ${before} to ${c.listedThrough}`);
      last.set(c.contentType, c.listedThrough);
    }
  return problems;
}

/** Read every checkpoint now and then until stopped; failures (Azurite down) are skipped. */
export function sampleCheckpoints(stack: Stack, everyMs = 150) {
  const samples: Checkpoint[][] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        samples.push(await stack.checkpoints().list(stack.tenant.tenantId));
      } catch {
        // Storage is down on purpose in some scenarios; the next sample will tell.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
      samples.push(await stack.checkpoints().list(stack.tenant.tenantId));
      return samples;
    },
  };
}

export interface LedgerCheck {
  states: Record<string, number>;
  problems: string[];
  expired: LedgerEntry[];
}

/** Every expected blob has a settled ledger row: done, or expired/failed with a reason. */
export async function checkLedger(stack: Stack, expected: BlobTruth[], now: number): Promise<LedgerCheck> {
  const ledger = stack.ledger();
  const rows = new Map<string, LedgerEntry>();
  for (const ct of stack.contentTypes)
    for (const e of await ledger.entries(
      stack.tenant.tenantId,
      ct,
      new Date(now - 16 * DAY_MS),
      new Date(now + DAY_MS),
    ))
      rows.set(e.contentId, e);
  const states: Record<string, number> = {};
  for (const e of rows.values()) states[e.state] = (states[e.state] ?? 0) + 1;
  const problems: string[] = [];
  for (const b of expected) {
    const row = rows.get(b.contentId);
    if (!row) problems.push(`no ledger row for ${b.contentType} ${b.contentId}`);
    else if (row.state === 'enqueued') problems.push(`ledger row of ${b.contentId} still enqueued`);
    else if (row.state !== 'done' && !row.lastError)
      problems.push(`ledger row of ${b.contentId} is ${row.state} without a reason`);
  }
  for (const e of rows.values())
    if (e.state !== 'done' && e.state !== 'enqueued' && !e.lastError)
      problems.push(`ledger row of ${e.contentId} is ${e.state} without a reason`);
  return { states, problems, expired: [...rows.values()].filter((e) => e.state === 'expired') };
}
