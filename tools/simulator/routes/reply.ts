/** What a route decided; the server writes it (and applies body faults to blobs). */
import { AfError } from '../af-errors.js';

export interface Reply {
  status: number;
  /** JSON body; `undefined` means an empty body. */
  body?: unknown;
  /** Pre-serialised JSON body (blobs). */
  text?: string;
  headers?: Record<string, string>;
  afCode?: string;
  /** Set on a blob answer so the server can track repeat fetches. */
  blob?: { tenantId: string; contentId: string };
}

export function afReply(err: AfError): Reply {
  return { status: err.status, body: err.body, headers: err.headers, afCode: err.code };
}

/** The ASP.NET Web API answer for a missing or bad bearer token. */
export const DENIED: Reply = {
  status: 401,
  body: { Message: 'Authorization has been denied for this request.' },
  headers: { 'WWW-Authenticate': 'Bearer' },
};

export function notFound(pathAndQuery: string): Reply {
  return {
    status: 404,
    body: { Message: `No HTTP resource was found that matches the request URI '${pathAndQuery}'.` },
  };
}

export function methodNotAllowed(method: string): Reply {
  return {
    status: 405,
    body: { Message: `The requested resource does not support http method '${method}'.` },
  };
}
