import { PipelineError } from '../errors.js';

/**
 * Getting a token failed. Not retryable when the credential or configuration is wrong (bad
 * secret, unknown client, missing consent, unreadable certificate); retryable when the login
 * host could not be reached or answered 5xx.
 */
export class AuthError extends PipelineError {
  /** MSAL / Entra error code (e.g. `invalid_client`), when there was one. */
  readonly authCode?: string;

  constructor(message: string, facts: { retryable?: boolean; authCode?: string; cause?: unknown } = {}) {
    super(message, { retryable: facts.retryable ?? false, cause: facts.cause });
    this.authCode = facts.authCode;
  }

  override toLog(): Record<string, unknown> {
    return { ...super.toLog(), authCode: this.authCode };
  }
}
