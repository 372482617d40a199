/**
 * Leak scan: captured logs and outputs must hold no client secret, no private key, no bearer token
 * or JWT, and no unmasked DLP detected value.
 */
import type { BlobTruth, SimTenant } from '../simulator/types.js';
import type { RunningSimulator } from '../simulator/index.js';

export interface Needle {
  kind: 'clientSecret' | 'privateKey' | 'bearer' | 'jwt' | 'dlpValue';
  /** A literal, or a pattern for tokens we cannot know in advance. */
  match: string | RegExp;
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
const BEARER = /bearer\s+(?!\[redacted)[A-Za-z0-9\-_.~+/]{16,}/i;

/** Body lines of a PEM private key long enough to be unique. */
function keyLines(pem: string): string[] {
  return pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 40 && !l.startsWith('-----'));
}

/** The matched values of DLP detections in the records of the given blobs (ground truth). */
export function dlpDetectedValues(sim: RunningSimulator, blobs: readonly BlobTruth[]): string[] {
  const values = new Set<string>();
  const walk = (v: unknown, inDetections: boolean): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, inDetections);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (inDetections && k === 'Name' && typeof x === 'string' && x.length >= 6) values.add(x);
        walk(x, inDetections || k === 'DetectedValues');
      }
    }
  };
  for (const b of blobs)
    if (b.contentType === 'DLP.All') walk(sim.blobRecords(b.tenantId, b.contentId), false);
  return [...values];
}

export function needlesFor(tenant: SimTenant, dlpValues: readonly string[]): Needle[] {
  return [
    { kind: 'clientSecret', match: tenant.clientSecret },
    ...keyLines(tenant.privateKeyPem).map((l): Needle => ({ kind: 'privateKey', match: l })),
    { kind: 'bearer', match: BEARER },
    { kind: 'jwt', match: JWT },
    ...dlpValues.map((v): Needle => ({ kind: 'dlpValue', match: v })),
  ];
}

export interface LeakHit {
  kind: Needle['kind'];
  source: string;
  excerpt: string;
}

export function scanForLeaks(
  texts: ReadonlyArray<{ source: string; text: string }>,
  needles: readonly Needle[],
): LeakHit[] {
  const hits: LeakHit[] = [];
  for (const { source, text } of texts)
    for (const n of needles) {
      const at = typeof n.match === 'string' ? text.indexOf(n.match) : (n.match.exec(text)?.index ?? -1);
      if (at >= 0) {
        // Never print the secret itself: only where it was and what kind.
        hits.push({ kind: n.kind, source, excerpt: `offset ${at}` });
      }
    }
  return hits;
}
