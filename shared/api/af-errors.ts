/**
 * The one error table of the Management Activity API: AF code (or, without one, HTTP status) →
 * what the caller must do. Messages are the API reference's own, typos included.
 */
import { PipelineError } from '../errors.js';

export type ErrorCategory =
  /** Configuration or permissions are wrong; retrying cannot help. */
  | 'fatal'
  /** The subscription is missing or disabled: start it, then retry. */
  | 'resubscribe'
  /** The time window was refused: re-plan it (clamp to the horizon, check the clock). */
  | 'rewindow'
  /** Transient: back off and retry. */
  | 'retry'
  /** This one blob can never be fetched: record it and move on. */
  | 'permanent';

/** What was being done, because a 404 on a blob means something else than a 404 on a listing. */
export type Operation =
  'start' | 'stop' | 'list' | 'content' | 'notifications' | 'blob' | 'dlpSensitiveTypes';

export const AF_CODES: Readonly<Record<string, ErrorCategory>> = {
  // "The permission set ({0}) sent in the request did not include the expected permission ActivityFeed.Read."
  AF10001: 'fatal',
  // "Missing parameter: {0}."
  AF20001: 'fatal',
  // "Invalid parameter type: {0}. Expected type: {1}"
  AF20002: 'fatal',
  // "Expiration {0} provided is set to past date and time."
  AF20003: 'fatal',
  // "The tenant ID passed in the URL ({0}) does not match the tenant ID passed in the access token ({1})."
  AF20010: 'fatal',
  // "Specified tenant ID ({0}) does not exist in the system or has been deleted."
  AF20011: 'fatal',
  // "Specified tenant ID ({0}) is incorrectly configured in the system."
  AF20012: 'fatal',
  // "The tenant ID passed in the URL ({0}) is not a valid GUID."
  AF20013: 'fatal',
  // "The specified content type is not valid."
  AF20020: 'fatal',
  // "The webhook endpoint {{0}) could not be validated. {1}"
  AF20021: 'fatal',
  // "No subscription found for the specified content type."
  AF20022: 'resubscribe',
  // "The subscription was disabled by {0}."
  AF20023: 'resubscribe',
  // "The subscription is already enabled. No property change." (undocumented, HTTP 400). On /start
  // it means success and the client resolves; anywhere else it cannot be fixed by retrying.
  AF20024: 'permanent',
  // "Start time and end time must both be specified (or both omitted) and must be less than or equal
  // to 24 hours apart, with the start time no more than 7 days in the past."
  AF20030: 'rewindow',
  // "Invalid nextPage Input: {0}." — a stale page token; Beats retries it ("Can be ignored").
  AF20031: 'retry',
  // "The specified content ({0}) does not exist."
  AF20050: 'permanent',
  // "Content requested with the key {0} has already expired. Content older than 7 days cannot be retrieved."
  AF20051: 'permanent',
  // "Content ID {0} in the URL is invalid."
  AF20052: 'permanent',
  // "Only one language may be present in the Accept-Language header."
  AF20053: 'fatal',
  // "Invalid syntax in Accept-Language header."
  AF20054: 'fatal',
  // "Start time and end time must both be specified (or both omitted) and must be less than or equal
  // to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past."
  AF20055: 'rewindow',
  // "Too many requests. Method={0}, PublisherId={1}" — sent as HTTP 403 in the only documented
  // example, so it is recognised by its code whatever the status.
  AF429: 'retry',
  // "An internal error occurred. Retry the request."
  AF50000: 'retry',
  // Undocumented; Beats retries them with the same "An internal error occurred" meaning.
  AF50005: 'retry',
  AF50006: 'retry',
};

/** AF codes whose refusal may be our clock: compare with the server's `Date` header. */
export const CLOCK_SENSITIVE_CODES: ReadonlySet<string> = new Set(['AF20030', 'AF20055']);

export function classify(
  afCode: string | undefined,
  httpStatus: number | undefined,
  op: Operation,
): ErrorCategory {
  const known = afCode === undefined ? undefined : AF_CODES[afCode.toUpperCase()];
  if (known) return known;
  if (httpStatus === undefined) return 'retry'; // network error: no response at all
  if (httpStatus === 408 || httpStatus === 429 || httpStatus >= 500) return 'retry';
  // The API never redirects, and a redirect is never followed (the bearer token would go with it).
  // A systematic 3xx (a proxy or a misrouted host) must not fail every blob for good: retried, and
  // the requester logs `api.redirect_refused` at error level for an operator to act on.
  if (httpStatus >= 300 && httpStatus < 400) return 'retry';
  // 401 reaches the table only after the token was refreshed once (client), so it is for real.
  if (httpStatus === 401 || httpStatus === 403) return 'fatal';
  // A blob that is gone or refused is that blob's problem; on a listing it means a wrong root.
  if (op === 'blob') return 'permanent';
  return 'fatal';
}

export interface ApiErrorFacts {
  category: ErrorCategory;
  operation?: Operation;
  afCode?: string;
  httpStatus?: number;
  /** The API's own message (or code, for non-AF bodies), truncated. */
  apiMessage?: string;
  tenantId?: string;
  contentType?: string;
  contentId?: string;
  cause?: unknown;
  /** Server `Date` minus local clock, when the window was refused (AF20030/AF20055). */
  clockSkewMs?: number;
  /** `Retry-After` of the response, when it had one. */
  retryAfterMs?: number;
}

/**
 * An API call that failed. `retryable` is true for 'retry' and for 'resubscribe' (once the caller
 * has started the subscription, the same call can succeed); the other categories fail again.
 */
export class ApiError extends PipelineError {
  readonly category: ErrorCategory;
  readonly operation?: Operation;
  readonly apiMessage?: string;
  readonly clockSkewMs?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, facts: ApiErrorFacts) {
    super(message, {
      retryable: facts.category === 'retry' || facts.category === 'resubscribe',
      afCode: facts.afCode,
      httpStatus: facts.httpStatus,
      tenantId: facts.tenantId,
      contentType: facts.contentType,
      contentId: facts.contentId,
      cause: facts.cause,
    });
    this.category = facts.category;
    this.operation = facts.operation;
    this.apiMessage = facts.apiMessage;
    this.clockSkewMs = facts.clockSkewMs;
    this.retryAfterMs = facts.retryAfterMs;
  }

  override toLog(): Record<string, unknown> {
    return {
      ...super.toLog(),
      category: this.category,
      operation: this.operation,
      apiMessage: this.apiMessage,
      clockSkewMs: this.clockSkewMs,
      retryAfterMs: this.retryAfterMs,
    };
  }
}
