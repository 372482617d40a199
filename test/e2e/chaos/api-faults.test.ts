/**
 * API faults against the runner as a child process: AF429 storms (403 and 429), 5xx, 408, resets,
 * truncated and malformed bodies, slow answers, late-listed content, in-blob duplicate records and
 * token revocation mid-run. Every event must arrive exactly once. The runner authenticates with the
 * client certificate (inline PEM), so the leak scan looks for a private key the process loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, killAllChildren } from '../../../tools/chaos/child.js';
import { sampleCheckpoints } from '../../../tools/chaos/invariants.js';
import {
  chaosScale,
  chaosSeed,
  chaosTimeout,
  failureReport,
  runUntilComplete,
  sizeFor,
  verify,
  withReplay,
} from '../../../tools/chaos/scenario.js';
import { NAMES, startStack, type Stack } from '../../../tools/chaos/stack.js';
import { toMessage } from '../../../shared/enumerator/enqueue.js';
import { startTrap, type Trap } from '../bad-input/helpers.js';
import type { BlobTruth } from '../../../tools/simulator/types.js';

const STORM = {
  throttle403: 0.06,
  throttle429: 0.04,
  retryAfterSeconds: 1,
  internalError: 0.04,
  unavailable: 0.03,
  timeout408: 0.03,
  connectionReset: 0.03,
  truncatedBody: 0.06,
  malformedJson: 0.04,
  slow: 0.05,
  slowMs: 100,
};

const stacks: Stack[] = [];
const traps: Trap[] = [];
beforeAll(() => ensureBuilt(), 300_000);
afterAll(async () => {
  killAllChildren();
  await Promise.all(stacks.map((s) => s.close()));
  await Promise.all(traps.map((t) => t.close()));
});

describe('chaos: API faults', () => {
  it(
    'a fault storm, late content and token revocation: nothing lost, nothing twice, within the rules',
    { timeout: chaosTimeout() },
    async () => {
      const seed = chaosSeed(101);
      await withReplay('api-faults', seed, async () => {
        const size = sizeFor(chaosScale());
        const startedAt = Date.now();
        const stack = await startStack({
          seed,
          auth: 'certificatePem',
          ...size,
          faults: STORM,
          env: { O365_MAX_REQUESTS_PER_MINUTE: '900', O365_PADDING_MINUTES: '120' },
        });
        stacks.push(stack);
        // A forged message waits on the queue: its contentUri points at a listener that counts connections.
        const trap = await startTrap();
        traps.push(trap);
        const queue = stack.storage().queues.getQueueClient(NAMES.queue);
        await queue.createIfNotExists();
        const forged = stack.sim.blobs(stack.tenant.tenantId, 'Audit.General')[0]!;
        const forgedUri = `${trap.origin}/api/v1.0/${stack.tenant.tenantId}/activity/feed/audit/${forged.contentId}`;
        await queue.sendMessage(
          Buffer.from(
            JSON.stringify(
              toMessage(stack.tenant.tenantId, { ...forged, contentUri: forgedUri }, new Date()),
            ),
          ).toString('base64'),
        );
        const sampler = sampleCheckpoints(stack);
        const late: BlobTruth[] = [];
        let revocations = 0;
        const log = await runUntilComplete(stack, {
          plan: () => undefined,
          maxAttempts: 4,
          during: async () => {
            // Mid-run, revoke every token issued so far: the runner must get a new one and go on.
            if (revocations > 0) return;
            for (let i = 0; i < 1200 && stack.sim.requestLog.filter((e) => e.kind === 'blob').length < 5; i++)
              await new Promise((r) => setTimeout(r, 50));
            stack.sim.setFaults({ ...STORM, revokeTokensIssuedBefore: new Date() });
            revocations += 1;
          },
        });
        // Content that becomes listable only after the first run, inside the re-listed padding.
        for (const ct of stack.contentTypes.slice(0, 2)) {
          late.push(
            stack.sim.addLateBlob(stack.tenant.tenantId, ct, new Date(Date.now() - 40 * 60_000), new Date()),
          );
        }
        for (let round = 0; round < size.rounds; round++)
          await runUntilComplete(stack, { plan: () => undefined, maxAttempts: 4, log });
        const v = await verify(stack, {
          scenario: 'api-faults',
          seed,
          log,
          samples: await sampler.stop(),
          extraBlobs: late,
          extraFaults: { tokenRevocation: revocations, lateListed: late.length },
          startedAt,
        });
        expect(v.problems, failureReport(v)).toEqual([]);
        // The forged message was refused with a reason on record, and no connection reached its host.
        expect(trap.connections(), `connections to the forged host (seed ${seed})`).toBe(0);
        const rejected = await stack.ledger().rejectedMessages(10);
        expect(rejected.map((r) => r.reason).join('\n')).toMatch(/contentUri/);
        expect(v.figures.eventsChecked).toBeGreaterThan(0);
        // The storm really happened: both throttling shapes and body faults were served.
        for (const kind of ['throttle403', 'throttle429', 'truncatedBody', 'malformedJson'])
          expect(v.figures.faults[kind] ?? 0, `${kind} injected (seed ${seed})`).toBeGreaterThan(0);
        // Tokens came from the certificate: the runner had no secret, and got new tokens after the revocation.
        expect(stack.env.O365_CLIENT_SECRET).toBeUndefined();
        expect(stack.env.O365_CERTIFICATE_PEM).toContain('PRIVATE KEY');
        const tokens = stack.sim.requestLog.filter((e) => e.kind === 'token' && e.status === 200);
        expect(tokens.length, 'tokens issued for the certificate').toBeGreaterThanOrEqual(2);
      });
    },
  );
});
