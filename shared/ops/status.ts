/**
 * `status`: per content type, the checkpoint, lag, ledger counts by state, lost windows and recent
 * failures, plus queue and poison depth and rejected messages. Everything an operator needs to
 * answer "is collection complete, and if not, what is missing?".
 */
import type { ContentType } from '../content-types.js';
import type { Runtime } from '../runtime.js';
import type { LedgerState, LostWindows } from '../storage/types.js';

const DAY_MS = 86_400_000;

export interface ContentTypeStatus {
  contentType: ContentType;
  listedThrough?: string;
  lagMinutes?: number;
  lastRunAt?: string;
  lastRunStatus?: string;
  lastError?: string;
  lostWindows: LostWindows;
  ledger: Record<LedgerState, number>;
  /** Most recent failed or expired blobs, with their reasons. */
  problems: Array<{ contentId: string; state: LedgerState; contentCreated: string; lastError?: string }>;
}

export interface StatusReport {
  tenantId: string;
  generatedAt: string;
  queue: { depth: number; poison: number };
  rejectedMessages: number;
  contentTypes: ContentTypeStatus[];
}

export async function collectStatus(rt: Runtime, problemsPerType = 5): Promise<StatusReport> {
  const now = rt.clock.now();
  // Ledger rows live until contentExpiration + 1 day; look back far enough to see all of them.
  const from = new Date(now.getTime() - 16 * DAY_MS);
  const to = new Date(now.getTime() + DAY_MS);
  const checkpoints = new Map((await rt.checkpoints.list(rt.config.tenantId)).map((c) => [c.contentType, c]));
  const contentTypes = await Promise.all(
    rt.config.contentTypes.map(async (ct): Promise<ContentTypeStatus> => {
      const cp = checkpoints.get(ct);
      const [ledger, recent] = await Promise.all([
        rt.ledger.countByState(rt.config.tenantId, ct, from, to),
        rt.ledger.recentProblems(rt.config.tenantId, ct, from, to, problemsPerType),
      ]);
      const problems = recent.map((e) => ({
        contentId: e.contentId,
        state: e.state,
        contentCreated: e.contentCreated,
        lastError: e.lastError,
      }));
      const through = cp?.listedThrough ? Date.parse(cp.listedThrough) : undefined;
      return {
        contentType: ct,
        listedThrough: cp?.listedThrough,
        lagMinutes: through === undefined ? undefined : Math.round((now.getTime() - through) / 60_000),
        lastRunAt: cp?.lastRunAt,
        lastRunStatus: cp?.lastRunStatus,
        lastError: cp?.lastError || undefined,
        lostWindows: cp?.lostWindows ?? { count: 0, minutes: 0 },
        ledger,
        problems,
      };
    }),
  );
  const depth = await rt.queue.depth();
  const rejected = await rt.ledger.rejectedMessages(1000);
  return {
    tenantId: rt.config.tenantId,
    generatedAt: now.toISOString(),
    queue: { depth: depth.queue, poison: depth.poison },
    rejectedMessages: rejected.length,
    contentTypes,
  };
}

/** A compact human-readable rendering of the report. */
export function formatStatus(r: StatusReport): string {
  const lines = [
    `tenant ${r.tenantId} at ${r.generatedAt}`,
    `queue: ${r.queue.depth} waiting, ${r.queue.poison} in poison; rejected messages: ${r.rejectedMessages}`,
    '',
    'content type                 listed through             lag(min)  enqueued  done  failed  expired  lost  last run',
  ];
  for (const t of r.contentTypes) {
    lines.push(
      [
        t.contentType.padEnd(28),
        (t.listedThrough ?? '-').padEnd(26),
        String(t.lagMinutes ?? '-').padStart(8),
        String(t.ledger.enqueued).padStart(9),
        String(t.ledger.done).padStart(5),
        String(t.ledger.failed).padStart(7),
        String(t.ledger.expired).padStart(8),
        String(t.lostWindows.count).padStart(5),
        ` ${t.lastRunStatus ?? '-'}${t.lastError ? `: ${t.lastError}` : ''}`,
      ].join(' '),
    );
    for (const p of t.problems) lines.push(`    ${p.state} ${p.contentId}: ${p.lastError ?? ''}`);
  }
  return lines.join('\n');
}
