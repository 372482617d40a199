/** Response writing in the style of the real service (ASP.NET/IIS headers). */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const JSON_TYPE = 'application/json; charset=utf-8';

export function apiHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': JSON_TYPE,
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
    Expires: '-1',
    Server: 'Microsoft-IIS/10.0',
    'X-AspNet-Version': '4.0.30319',
    ...extra,
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...apiHeaders(headers), 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Query parameters by lower-cased name: the service treats names case-insensitively. */
export function queryOf(url: URL): Map<string, string> {
  const q = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (!q.has(k.toLowerCase())) q.set(k.toLowerCase(), v);
  return q;
}
