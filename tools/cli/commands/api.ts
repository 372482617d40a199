/** Commands that talk to the Management API: ping, subscriptions, content, backfill. */
import type { ContentItem } from '../../../shared/api/types.js';
import { CONTENT_TYPES, type ContentType } from '../../../shared/content-types.js';
import { enqueueNewContent } from '../../../shared/enumerator/enqueue.js';
import { END_LAG_MS, HOUR_MS, splitWindow } from '../../../shared/enumerator/windows.js';
import {
  listContent,
  parseWindowArgs,
  ping,
  requireContentType,
  startSubscription,
  stopSubscription,
} from '../../../shared/ops/admin.js';
import { maskFindings } from '../../../shared/processor/mask.js';
import { parseRecords } from '../../../shared/processor/parse.js';
import { UsageError, type Command } from '../command.js';
import { intOption, parse, withRuntime } from '../context.js';

function contentTypeArg(value: string | undefined): ContentType {
  try {
    return requireContentType(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const pingCommand: Command = {
  path: ['ping'],
  summary: 'Test the connection: get a token and list subscriptions',
  usage: 'ping',
  async run(args, io) {
    parse(args, {});
    return withRuntime(io, async (rt) => {
      const r = await ping(rt);
      (r.ok ? io.out : io.err)(r.message);
      return r.ok ? 0 : 1;
    });
  },
};

export const subscriptionsListCommand: Command = {
  path: ['subscriptions', 'list'],
  summary: 'List the subscriptions of the tenant',
  usage: 'subscriptions list',
  async run(args, io) {
    parse(args, {});
    return withRuntime(io, async (rt) => {
      io.out(JSON.stringify(await rt.api.listSubscriptions(), null, 2));
      return 0;
    });
  },
};

export const subscriptionsStartCommand: Command = {
  path: ['subscriptions', 'start'],
  summary: 'Start the subscription of a content type (optionally with a webhook)',
  usage: 'subscriptions start <contentType> [--webhook https://…/api/notifications?code=…] [--auth-id ID]',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { webhook: { type: 'string' }, 'auth-id': { type: 'string' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError('give exactly one content type');
    const ct = contentTypeArg(positionals[0]);
    if (values.webhook !== undefined && !/^https:\/\//.test(values.webhook))
      throw new UsageError('--webhook must be an https URL');
    return withRuntime(io, async (rt) => {
      const webhook = values.webhook
        ? { address: values.webhook, authId: values['auth-id'] ?? rt.config.webhookAuthId, expiration: null }
        : undefined;
      io.out(await startSubscription(rt, ct, webhook));
      return 0;
    });
  },
};

export const subscriptionsStopCommand: Command = {
  path: ['subscriptions', 'stop'],
  summary: 'Stop the subscription of a content type (content available while stopped is lost)',
  usage: 'subscriptions stop <contentType>',
  async run(args, io) {
    const { positionals } = parse(args, {}, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one content type');
    const ct = contentTypeArg(positionals[0]);
    return withRuntime(io, async (rt) => {
      io.out(await stopSubscription(rt, ct));
      return 0;
    });
  },
};

export const contentListCommand: Command = {
  path: ['content', 'list'],
  summary: 'List available content for one window (≤ 24 h, within 7 days)',
  usage: 'content list --content-type <type> [--start ISO] [--end ISO]',
  async run(args, io) {
    const { values } = parse(args, {
      'content-type': { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
    });
    const ct = contentTypeArg(values['content-type']);
    return withRuntime(io, async (rt) => {
      let window;
      try {
        window = parseWindowArgs(values.start, values.end, rt.clock.now());
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const items = await listContent(rt, ct, window);
      io.out(JSON.stringify(items, null, 2));
      io.err(`${items.length} content blobs`);
      return 0;
    });
  },
};

export const contentGetCommand: Command = {
  path: ['content', 'get'],
  summary: 'Fetch one content blob and print its records as NDJSON (DLP findings masked per settings)',
  usage: 'content get <contentId|contentUri>',
  async run(args, io) {
    const { positionals } = parse(args, {}, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one contentId or contentUri');
    const ref = positionals[0]!;
    return withRuntime(io, async (rt) => {
      const uri = ref.startsWith('https://')
        ? ref
        : `${rt.config.apiRoot}/api/v1.0/${rt.config.tenantId}/activity/feed/audit/${encodeURIComponent(ref)}`;
      const body = await rt.api.fetchContent(uri);
      let n = 0;
      for await (const item of parseRecords(body.stream)) {
        const value = maskFindings(item.kind === 'record' ? item.record : item.raw, rt.config.mask).record;
        io.out(JSON.stringify(value));
        n += 1;
      }
      io.err(`${n} records`);
      return 0;
    });
  },
};

export const backfillCommand: Command = {
  path: ['backfill'],
  summary:
    "Enumerate the last N hours into the content queue (the deployed app's, when AzureWebJobsStorage points at Azure)",
  usage: `backfill --hours N [--content-types ${CONTENT_TYPES.join(',')}]`,
  async run(args, io) {
    const { values } = parse(args, { hours: { type: 'string' }, 'content-types': { type: 'string' } });
    if (values.hours === undefined) throw new UsageError('--hours is required');
    const hours = intOption(values.hours, 'hours', 1, 167, 1);
    const types = values['content-types']?.split(',').map((s) => contentTypeArg(s.trim()));
    return withRuntime(io, async (rt) => {
      const now = rt.clock.now();
      let total = 0;
      for (const ct of types ?? rt.config.contentTypes) {
        const whole = {
          start: new Date(now.getTime() - hours * HOUR_MS),
          end: new Date(now.getTime() - END_LAG_MS),
        };
        let enqueued = 0;
        let known = 0;
        for (const w of splitWindow(whole, rt.config.windowMinutes * 60_000)) {
          const items: ContentItem[] = (await rt.api.listContent(ct, w)).items;
          const r = await enqueueNewContent(
            { ledger: rt.ledger, queue: rt.queue, tenantId: rt.config.tenantId },
            ct,
            items,
            rt.clock.now(),
          );
          enqueued += r.enqueued;
          known += r.alreadyKnown;
        }
        io.out(`${ct}: ${enqueued} content blobs enqueued, ${known} already known`);
        total += enqueued;
      }
      io.out(`backfill of ${hours} h: ${total} content blobs enqueued on ${rt.config.storage.queueName}`);
      return 0;
    });
  },
};
