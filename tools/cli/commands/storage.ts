/** Commands over the pipeline's own storage: status, poison replay, events. */
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { CONTENT_TYPES } from '../../../shared/content-types.js';
import { replayPoison, requireContentType } from '../../../shared/ops/admin.js';
import { collectStatus, formatStatus } from '../../../shared/ops/status.js';
import { UsageError, type Command } from '../command.js';
import { intOption, parse, withStorageRuntime } from '../context.js';

export const statusCommand: Command = {
  path: ['status'],
  summary: 'Per content type: checkpoint, lag, ledger counts by state, lost windows; queue and poison depth',
  usage: 'status [--json]',
  async run(args, io) {
    const { values } = parse(args, { json: { type: 'boolean' } });
    return withStorageRuntime(io, async (rt) => {
      const report = await collectStatus(rt);
      io.out(values.json ? JSON.stringify(report, null, 2) : formatStatus(report));
      return 0;
    });
  },
};

export const poisonReplayCommand: Command = {
  path: ['poison', 'replay'],
  summary: 'Move messages from the poison queue back to the content queue',
  usage: 'poison replay [--max N]',
  async run(args, io) {
    const { values } = parse(args, { max: { type: 'string' } });
    const max = intOption(values.max, 'max', 1, 100_000, 100);
    return withStorageRuntime(io, async (rt) => {
      const r = await replayPoison(rt, max);
      io.out(
        `${r.replayed} messages moved from ${rt.config.storage.poisonQueueName} to ${rt.config.storage.queueName}`,
      );
      return 0;
    });
  },
};

export const eventsCommand: Command = {
  path: ['events'],
  summary: 'Print normalized events from the output container as NDJSON (pipe to jq)',
  usage: `events [--content-type ${CONTENT_TYPES.join('|')}] [--since ISO-date] [--limit N]`,
  async run(args, io) {
    const { values } = parse(args, {
      'content-type': { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    });
    const limit = intOption(values.limit, 'limit', 1, 10_000_000, 100);
    let ct: string | undefined;
    try {
      ct = values['content-type'] === undefined ? undefined : requireContentType(values['content-type']);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const since = values.since === undefined ? undefined : new Date(values.since);
    if (since && Number.isNaN(since.getTime()))
      throw new UsageError('--since must be an ISO-8601 date, e.g. 2026-11-20T00:00:00Z');
    const sinceHour = since?.toISOString().slice(0, 13);
    return withStorageRuntime(io, async (rt) => {
      let printed = 0;
      const prefix = `tenant=${rt.config.tenantId}/${ct ? `contentType=${ct}/` : ''}`;
      for await (const blob of rt.clients.container.listBlobsFlat({ prefix })) {
        const m = /date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//.exec(blob.name);
        if (sinceHour && m && `${m[1]}T${m[2]}` < sinceHour) continue;
        const download = await rt.clients.container.getBlobClient(blob.name).download();
        const lines = createInterface({
          input: download.readableStreamBody!.pipe(createGunzip()),
          crlfDelay: Infinity,
        });
        for await (const line of lines) {
          if (line === '') continue;
          io.out(line);
          if (++printed >= limit) {
            lines.close();
            return 0;
          }
        }
      }
      io.err(`${printed} events`);
      return 0;
    });
  },
};
