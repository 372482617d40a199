/**
 * Leak scan: captured logs and outputs must hold no client secret, no private key, no bearer token
 * or JWT, no function key or SAS signature, and no unmasked DLP detected value in any of the
 * spellings masking must see through (percent-encoded, `+` for spaces, HTML character references,
 * other separators or case).
 */
import type { BlobTruth, SimTenant } from '../simulator/types.js';
import type { RunningSimulator } from '../simulator/index.js';

export interface Needle {
  kind: 'clientSecret' | 'privateKey' | 'bearer' | 'jwt' | 'functionKey' | 'sasSignature' | 'dlpValue';
  /** A literal, or a pattern for tokens we cannot know in advance. */
  match: string | RegExp;
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
const BEARER = /bearer\s+(?!\[redacted)[A-Za-z0-9\-_.~+/]{16,}/i;
/** A function key: `code=` in a URL (also percent-encoded) or the `x-functions-key` header. */
const CODE_PARAM = /(?:[?&]|%3F|%26)code(?:=|%3D)(?!\[redacted)[A-Za-z0-9_\-%]{20,}/i;
const KEY_HEADER = /x-functions-key\\?["']?\s*[:=]\s*\\?["']?(?!\[redacted)[A-Za-z0-9_\-=]{20,}/i;
const SAS_SIG = /[?&;]sig=(?!\[redacted)[A-Za-z0-9%+/=]{16,}/i;

/** Spellings of a detected value that must not survive masking either. */
export function encodedSpellings(value: string): string[] {
  const out = new Set<string>([value, value.toUpperCase(), value.toLowerCase(), value.normalize('NFD')]);
  const digits = value.replace(/\D/g, '');
  if (digits.length >= 8 && digits.length === value.replace(/[^\p{L}\p{N}]/gu, '').length) {
    out.add(digits);
    const groups = digits.match(/.{1,4}/g) ?? [];
    for (const sep of [' ', '-', '.', '/', '_']) out.add(groups.join(sep));
  }
  for (const v of [...out]) {
    out.add(encodeURIComponent(v));
    out.add(encodeURI(v));
    out.add(encodeURIComponent(v).replace(/%20/g, '+'));
    out.add([...v].map((c) => `&#${c.codePointAt(0)};`).join(''));
    out.add([...v].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join(''));
  }
  return [...out].filter((v) => v.length >= 6);
}

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
    { kind: 'functionKey', match: CODE_PARAM },
    { kind: 'functionKey', match: KEY_HEADER },
    { kind: 'sasSignature', match: SAS_SIG },
    ...dlpValues.flatMap((v) => encodedSpellings(v).map((e): Needle => ({ kind: 'dlpValue', match: e }))),
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
