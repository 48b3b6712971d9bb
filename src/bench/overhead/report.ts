// Tables for benchmark results, in Markdown (readable in a terminal too).
import { type Spread, spread } from '../stats';

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: Array<string | number>): string => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** "median (IQR q1..q3)" */
export function spreadText(values: number[], digits = 1): string {
  const s: Spread = spread(values);
  return `${fmt(s.median, digits)} (IQR ${fmt(s.q1, digits)}..${fmt(s.q3, digits)})`;
}

export const MiB = 1024 * 1024;
