/**
 * The error family of the pipeline. Every error says whether retrying can help, and carries the
 * facts an operator needs (AF code, HTTP status, tenant, content type, contentId) plus `cause`.
 */
export interface ErrorFacts {
  retryable: boolean;
  afCode?: string;
  httpStatus?: number;
  tenantId?: string;
  contentType?: string;
  contentId?: string;
  cause?: unknown;
}

export class PipelineError extends Error {
  readonly retryable: boolean;
  readonly afCode?: string;
  readonly httpStatus?: number;
  readonly tenantId?: string;
  readonly contentType?: string;
  readonly contentId?: string;

  constructor(message: string, facts: ErrorFacts) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = new.target.name;
    this.retryable = facts.retryable;
    this.afCode = facts.afCode;
    this.httpStatus = facts.httpStatus;
    this.tenantId = facts.tenantId;
    this.contentType = facts.contentType;
    this.contentId = facts.contentId;
  }

  /** The facts as a plain object for structured logs. */
  toLog(): Record<string, unknown> {
    return {
      error: this.name,
      message: this.message,
      retryable: this.retryable,
      afCode: this.afCode,
      httpStatus: this.httpStatus,
      contentType: this.contentType,
      contentId: this.contentId,
    };
  }
}

/** Invalid settings: never retryable, one line per problem, each naming the setting. */
export class ConfigError extends PipelineError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { retryable: false });
    this.problems = problems;
  }
}

/** Input that can never become valid by retrying (malformed queue message, forged URI, bad body). */
export class InvalidInputError extends PipelineError {
  constructor(message: string, facts: Omit<ErrorFacts, 'retryable'> = {}) {
    super(message, { ...facts, retryable: false });
  }
}

/** A URL that would carry the bearer token to a host or path other than the configured API root. */
export class ForbiddenUrlError extends PipelineError {
  constructor(message: string, facts: Omit<ErrorFacts, 'retryable'> = {}) {
    super(message, { ...facts, retryable: false });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // undici's fetch rejects with a bare "fetch failed"; what failed (timeout, refused, TLS) is
    // in its cause, and an operator needs that.
    const cause = err.cause as { message?: unknown; code?: unknown } | undefined;
    if (err.message === 'fetch failed' && cause && typeof cause.message === 'string') {
      const code = typeof cause.code === 'string' ? ` (${cause.code})` : '';
      return `fetch failed: ${cause.message}${code}`;
    }
    return err.message;
  }
  return String(err);
}

export function isRetryable(err: unknown): boolean {
  return err instanceof PipelineError ? err.retryable : true;
}
