/**
 * The API simulator in its own process, so generating blob bodies (JSON.stringify of seeded
 * records) never competes with the measured code on the same event loop. Options arrive as JSON in
 * argv; the parent asks for blob lists and the request log over IPC.
 */
import { CONTENT_TYPES, type ContentType } from '../../shared/content-types.js';
import { startSimulator, type StartSimulatorOptions } from '../simulator/index.js';

export interface SimInfo {
  apiRoot: string;
  loginAuthority: string;
  caPem: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface BlobRef {
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
  recordCount: number;
}

export type SimRequest =
  | { id: number; op: 'blobs'; contentTypes?: ContentType[]; fromMs?: number; toMs?: number }
  | { id: number; op: 'log' };

const options = JSON.parse(process.argv[2] ?? '{}') as StartSimulatorOptions;
const sim = await startSimulator(options);
const tenant = sim.tenants[0]!;

process.on('message', (raw: SimRequest) => {
  if (raw.op === 'blobs') {
    const blobs: BlobRef[] = [];
    for (const ct of raw.contentTypes ?? CONTENT_TYPES) {
      const from = raw.fromMs === undefined ? undefined : new Date(raw.fromMs);
      const to = raw.toMs === undefined ? undefined : new Date(raw.toMs);
      for (const b of sim.blobs(tenant.tenantId, ct, from, to)) {
        blobs.push({
          contentType: b.contentType,
          contentId: b.contentId,
          contentUri: b.contentUri,
          contentCreated: b.contentCreated,
          contentExpiration: b.contentExpiration,
          recordCount: b.recordCount,
        });
      }
    }
    process.send?.({ id: raw.id, result: blobs });
  } else {
    process.send?.({ id: raw.id, result: sim.requestLog });
  }
});
process.on('disconnect', () => {
  void sim.close().then(() => process.exit(0));
});

const info: SimInfo = {
  apiRoot: sim.apiRoot,
  loginAuthority: sim.loginAuthority,
  caPem: sim.caPem,
  tenantId: tenant.tenantId,
  clientId: tenant.clientId,
  clientSecret: tenant.clientSecret,
};
process.send?.({ id: 0, result: info });
