/** Every request the simulator saw, with the rules of the API it broke. */
import type { RequestLogEntry } from './types.js';

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  /** tenant + contentId of blobs already served with 200. */
  private readonly served = new Set<string>();

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  /** Marks a clean 200 of a blob; true when the same tenant already had it (a wasted fetch). */
  blobServed(tenantId: string, contentId: string): boolean {
    const key = `${tenantId}|${contentId}`;
    if (this.served.has(key)) return true;
    this.served.add(key);
    return false;
  }
}
