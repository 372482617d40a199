/**
 * The `state` of an admin-consent request: issued by `tenants consent-url`, returned by Entra ID
 * to `GET /api/consent`, and only accepted there when this app signed it and it has not expired.
 * `base64url(JSON payload) "." base64url(HMAC-SHA256(key, label + payload))`, the payload holding
 * the issue and expiry times, a random nonce (each state is used once), the redirect URI and,
 * optionally, the one tenant the link is for.
 *
 * Entra ID returns `state` unchanged ("a value included in the request that will also be returned
 * in the token response", Microsoft identity platform, "Admin consent on the Microsoft identity
 * platform"); the `tenant` parameter of the response is not proof of anything, so the route also
 * checks the tenant by getting a token for it (see docs/multi-tenant.md).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { isTenantId } from './tenant-id.js';

/** What the HMAC covers besides the payload: a key used elsewhere cannot sign a consent state. */
const LABEL = 'o365-pipeline consent state v1\n';
/** Longest state accepted: a signed state is about 300 characters; the rest is noise or an attack. */
export const MAX_STATE_LENGTH = 2048;
/** Shortest signing key: 256 bits of entropy need at least 32 characters of base64. */
export const MIN_SIGNING_KEY_LENGTH = 32;
/** Longest a consent link may stay valid. */
export const MAX_STATE_HOURS = 720;
/** Tolerated clock difference between the instance that signed and the one that verifies. */
const SKEW_MS = 5 * 60_000;

export interface ConsentState {
  v: 1;
  /** Issue and expiry times, ms since the epoch. */
  iat: number;
  exp: number;
  /** 128 random bits, base64url: makes every state unique and lets the route use each once. */
  nonce: string;
  /** The redirect URI of the consent request (this route's public URL). */
  redirect: string;
  /** Lower-case tenant id when the link is for one tenant only. */
  tenant?: string;
}

const payloadSchema = z.strictObject({
  v: z.literal(1),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().nonnegative(),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  redirect: z.url({ protocol: /^https?$/ }),
  tenant: z
    .string()
    .refine((t) => isTenantId(t) && t === t.toLowerCase())
    .optional(),
});

export type StateRefusal = 'malformed' | 'forged' | 'expired' | 'not-yet-valid';

export type StateCheck = { ok: true; state: ConsentState } | { ok: false; reason: StateRefusal };

function mac(key: string, payload: string): Buffer {
  return createHmac('sha256', key).update(LABEL).update(payload).digest();
}

export function signConsentState(
  key: string,
  o: { now: Date; validHours: number; redirect: string; tenant?: string; nonce?: string },
): { state: string; payload: ConsentState } {
  const iat = o.now.getTime();
  const payload: ConsentState = {
    v: 1,
    iat,
    exp: iat + o.validHours * 3_600_000,
    nonce: o.nonce ?? randomBytes(16).toString('base64url'),
    redirect: o.redirect,
    ...(o.tenant ? { tenant: o.tenant } : {}),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return { state: `${body}.${mac(key, body).toString('base64url')}`, payload };
}

/**
 * Check a returned state: well formed, signed with `key` (compared in constant time, before the
 * payload is even parsed), issued no later than now and not expired. Pure: the clock is `now`.
 */
export function verifyConsentState(key: string, state: string | null | undefined, now: Date): StateCheck {
  if (!state || state.length > MAX_STATE_LENGTH) return { ok: false, reason: 'malformed' };
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(state);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, body, sig] = m as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  let payload: ConsentState;
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success) return { ok: false, reason: 'malformed' };
    payload = parsed.data;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (payload.exp <= payload.iat || payload.exp - payload.iat > MAX_STATE_HOURS * 3_600_000)
    return { ok: false, reason: 'malformed' };
  const t = now.getTime();
  if (payload.iat > t + SKEW_MS) return { ok: false, reason: 'not-yet-valid' };
  if (t >= payload.exp) return { ok: false, reason: 'expired' };
  return { ok: true, state: payload };
}
