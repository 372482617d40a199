/** Small statistics and formatting helpers for the benchmark table. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function mb(bytes: number, digits = 1): string {
  return fmt(bytes / (1024 * 1024), digits);
}

/** One row of the printed table: what, the measured median, the baseline, the ratio, the target. */
export interface Row {
  section: string;
  metric: string;
  value: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  verdict?: 'ok' | 'MISS' | '';
}

export function table(rows: readonly Row[]): string {
  const head = ['section', 'metric', 'median', 'baseline (same run)', 'ratio', 'target', ''];
  const cells = rows.map((r) => [
    r.section,
    r.metric,
    r.value,
    r.baseline ?? '',
    r.ratio ?? '',
    r.target ?? '',
    r.verdict ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`.replace(/\s+\|$/, ' |');
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export function verdict(ok: boolean): 'ok' | 'MISS' {
  return ok ? 'ok' : 'MISS';
}
