/**
 * Seeded fault injection. Each decision draws from one PRNG stream, re-seeded from the seed and
 * the number of `set` calls so far: a run that starts with the same seed, sets the same faults at
 * the same points and sends the same requests in the same order meets the same faults.
 */
import { mulberry32, hashKey, type Rng } from './prng.js';
import type { FaultConfig, RequestKind } from './types.js';

export type RequestFault =
  | 'connectionReset'
  | 'throttle403'
  | 'throttle429'
  | 'internalError'
  | 'unavailable'
  | 'timeout408'
  | 'redirect';
export type BodyFault = 'truncatedBody' | 'malformedJson';

/** By default faults hit the API, never Entra. */
const DEFAULT_KINDS: readonly RequestKind[] = [
  'start',
  'stop',
  'list',
  'content',
  'notifications',
  'blob',
  'dlpSensitiveTypes',
  'other',
];

export class FaultInjector {
  private config: FaultConfig = {};
  private rng: Rng;
  private generation = 0;

  constructor(private readonly seed: number) {
    this.rng = mulberry32(hashKey(seed, 'faults', 0));
  }

  set(config: FaultConfig): void {
    this.config = { ...config };
    this.generation++;
    this.rng = mulberry32(hashKey(this.seed, 'faults', this.generation));
  }

  get current(): FaultConfig {
    return this.config;
  }

  private applies(kind: RequestKind): boolean {
    return (this.config.kinds ?? DEFAULT_KINDS).includes(kind);
  }

  private draw(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.rng.next() < p;
  }

  /** Delay to add before answering (ms). */
  delay(kind: RequestKind): number {
    if (!this.applies(kind)) return 0;
    return this.draw(this.config.slow) ? (this.config.slowMs ?? 500) : 0;
  }

  request(kind: RequestKind): RequestFault | undefined {
    if (!this.applies(kind)) return undefined;
    const order: RequestFault[] = [
      'connectionReset',
      'throttle403',
      'throttle429',
      'internalError',
      'unavailable',
      'timeout408',
      'redirect',
    ];
    return order.find((f) => this.draw(this.config[f]));
  }

  revoked(kind: RequestKind): boolean {
    return this.applies(kind) && this.draw(this.config.revokedToken);
  }

  /** A blob answered as expired (AF20051); draws only when `expireBlobs` is set. */
  expired(kind: RequestKind): boolean {
    return kind === 'blob' && this.applies(kind) && this.draw(this.config.expireBlobs);
  }

  /** A follow-up page answered AF20031; draws only when `staleNextPage` is set. */
  staleNextPage(kind: RequestKind): boolean {
    return (
      (kind === 'content' || kind === 'notifications') &&
      this.applies(kind) &&
      this.draw(this.config.staleNextPage)
    );
  }

  body(kind: RequestKind): BodyFault | undefined {
    if (!this.applies(kind) || kind !== 'blob') return undefined;
    if (this.draw(this.config.truncatedBody)) return 'truncatedBody';
    return this.draw(this.config.malformedJson) ? 'malformedJson' : undefined;
  }
}
