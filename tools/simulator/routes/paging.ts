/**
 * `nextPage` tokens: opaque to clients, shaped like the service's (`2015101900R022885001761`),
 * bound to the tenant, content type and window so a token reused with another query is refused
 * (AF20031).
 */
import { hashKey } from '../prng.js';

export function pageToken(
  seed: number,
  scope: string,
  startMs: number,
  endMs: number,
  offset: number,
): string {
  const stamp = new Date(startMs).toISOString().slice(0, 13).replace(/[-T]/g, '');
  const check = String(hashKey(seed, 'page', scope, startMs, endMs, offset) % 1_000_000).padStart(6, '0');
  return `${stamp}R${String(offset).padStart(7, '0')}${check}`;
}

/** The offset a token stands for, or undefined when it is not one of ours for this query. */
export function pageOffset(
  seed: number,
  scope: string,
  startMs: number,
  endMs: number,
  token: string,
): number | undefined {
  const m = /^\d{10}R(\d{7})\d{6}$/.exec(token);
  if (!m) return undefined;
  const offset = Number(m[1]);
  return pageToken(seed, scope, startMs, endMs, offset) === token ? offset : undefined;
}
