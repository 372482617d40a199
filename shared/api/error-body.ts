/**
 * Turns a non-2xx response into an `ApiError`. Bodies come in several shapes: the documented
 * `{"error":{"code":"AFxxxxx","message":…}}`, the gateway's `{"Message":"Authorization has been
 * denied for this request."}`, the audit-disabled `{"error":{"code":"StartSubscription [...]
 * failed. Exception","message":"…DataServiceException: Tenant … does not exist.…"}}`, HTML from
 * a proxy or front door, and nothing at all.
 */
import { z } from 'zod';
import {
  ApiError,
  CLOCK_SENSITIVE_CODES,
  classify,
  type ErrorCategory,
  type Operation,
} from './af-errors.js';
import { retryAfterMs, serverDate } from './headers.js';

export interface ErrorBody {
  afCode?: string;
  /** A non-AF `error.code` (e.g. the StartSubscription failure). */
  code?: string;
  message?: string;
}

const AF_ERROR = z.object({
  error: z.union([z.object({ code: z.string().optional(), message: z.string().optional() }), z.string()]),
});
const GATEWAY_ERROR = z.object({ Message: z.string() });
const MAX_MESSAGE = 300;

export function parseErrorBody(text: string): ErrorBody {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { message: describeNonJson(trimmed) };
  }
  const af = AF_ERROR.safeParse(json);
  if (af.success) {
    const error = af.data.error;
    if (typeof error === 'string') return { message: cap(error) };
    const code = error.code?.trim();
    const message = error.message === undefined ? undefined : cap(firstLine(error.message));
    if (code && /^AF\d+$/i.test(code)) return { afCode: code.toUpperCase(), message };
    return { code: code ? cap(code) : undefined, message };
  }
  const gateway = GATEWAY_ERROR.safeParse(json);
  if (gateway.success) return { message: cap(gateway.data.Message) };
  return { message: cap(trimmed) };
}

export interface ErrorContext {
  operation: Operation;
  tenantId: string;
  contentType?: string;
  contentId?: string;
  now: Date;
}

interface ResponseLike {
  status: number;
  headers: { get(name: string): string | null };
}

export function apiErrorFromResponse(response: ResponseLike, text: string, ctx: ErrorContext): ApiError {
  const body = parseErrorBody(text);
  let category: ErrorCategory = classify(body.afCode, response.status, ctx.operation);
  let hint = '';
  // Unified audit logging off (or not yet effective, up to 60 minutes) answers /start this way.
  if (body.code?.startsWith('StartSubscription')) {
    category = 'fatal';
    hint = ' (is unified audit logging enabled for the tenant? enabling takes up to 60 minutes)';
  }
  let clockSkewMs: number | undefined;
  if (body.afCode && CLOCK_SENSITIVE_CODES.has(body.afCode)) {
    const date = serverDate(response.headers);
    if (date) clockSkewMs = date.getTime() - ctx.now.getTime();
  }
  const retryAfter = retryAfterMs(response.headers.get('Retry-After'), ctx.now);
  const apiMessage = body.message ?? body.code;
  const label = body.afCode ?? body.code ?? 'no error code';
  const skew = clockSkewMs === undefined ? '' : `; server clock is ${clockSkewMs} ms ahead of ours`;
  return new ApiError(
    `${ctx.operation} failed: HTTP ${response.status} ${label}${apiMessage && apiMessage !== label ? `: ${apiMessage}` : ''}${hint}${skew}`,
    {
      category,
      operation: ctx.operation,
      afCode: body.afCode,
      httpStatus: response.status,
      apiMessage,
      tenantId: ctx.tenantId,
      contentType: ctx.contentType,
      contentId: ctx.contentId,
      clockSkewMs,
      retryAfterMs: retryAfter,
    },
  );
}

function describeNonJson(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  if (/^\s*</.test(text)) return title ? `HTML response: ${cap(title)}` : 'HTML response';
  return cap(firstLine(text));
}

function firstLine(s: string): string {
  return s.split(/\r?\n/, 1)[0]?.trim() ?? '';
}

function cap(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 3)}...` : s;
}
