/** Shared shape of the admin HTTP functions: JSON in and out, errors mapped to status codes with a reason. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ConfigError, errorMessage, InvalidInputError, PipelineError } from '../shared/errors.js';
import { displayUrl, redact } from '../shared/logger.js';
import type { Runtime } from '../shared/runtime.js';
import { forInvocation, type RuntimeProvider } from './_runtime.js';

export type AdminHandler = (rt: Runtime, request: HttpRequest) => Promise<HttpResponseInit>;

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store' } };
}

/** Read an optional JSON object body; an empty body is `{}`; anything else is a 400. */
export async function readJsonObject(request: HttpRequest): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInputError('request body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError('request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function adminRoute(provider: RuntimeProvider, handler: AdminHandler) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let rt: Runtime;
    try {
      rt = forInvocation(provider(), context);
    } catch (err) {
      context.error(redact(errorMessage(err)));
      return json(500, { error: err instanceof ConfigError ? err.problems : 'the app is not configured' });
    }
    try {
      return await handler(rt, request);
    } catch (err) {
      if (err instanceof InvalidInputError) return json(400, { error: err.message });
      // The route without its query: `?code=` is the caller's function key.
      rt.logger.error('http.failed', { route: displayUrl(request.url), error: err });
      // A failure of the Management API or of Entra ID is upstream (502); anything else is ours (500).
      const upstream =
        err instanceof PipelineError &&
        (err.httpStatus !== undefined || err.name === 'AuthError' || err.name === 'ApiError');
      const status = upstream ? 502 : 500;
      return json(status, { error: callerReason(err) });
    }
  };
}

/**
 * The reason a caller is given: the error's message with every URL cut to scheme, host and path
 * and every credential pattern redacted, so no key or signature travels back in an answer.
 */
export function callerReason(err: unknown): string {
  return redact(errorMessage(err)).replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (u) => displayUrl(u));
}
