// Number formatting shared by the reports and `compare`.
import type { Unit } from './figures';

const MiB = 1024 * 1024;

/** The one minus sign of every figure printed (U+2212, as in changes), never ASCII '-'. */
const MINUS = '−';

export function formatValue(value: number, unit: Unit): string {
  if (value < 0) return `${MINUS}${formatValue(-value, unit)}`;
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
}

/** Two values side by side in one unit: `11.7 s → 2.8 s`, not `11.7 s → 2836 ms`. */
export function formatPair(a: number, b: number, unit: Unit): [string, string] {
  if (unit === 'ms' && Math.max(Math.abs(a), Math.abs(b)) >= 10_000)
    return [a, b].map((v) => `${v < 0 ? MINUS : ''}${(Math.abs(v) / 1000).toFixed(1)} s`) as [string, string];
  return [formatValue(a, unit), formatValue(b, unit)];
}

export function formatBytes(bytes: number): string {
  if (bytes < 0) return `${MINUS}${formatBytes(-bytes)}`;
  const abs = bytes;
  if (abs >= 1024 * MiB) return `${(bytes / (1024 * MiB)).toFixed(2)} GiB`;
  if (abs >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}

export function formatDelta(delta: number, unit: Unit): string {
  const sign = delta > 0 ? '+' : delta < 0 ? MINUS : '±';
  return `${sign}${formatValue(Math.abs(delta), unit)}`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'new';
  const pct = fraction * 100;
  const sign = pct > 0 ? '+' : pct < 0 ? MINUS : '±';
  return `${sign}${Math.abs(pct).toFixed(Math.abs(pct) < 10 ? 1 : 0)} %`;
}

export function formatRatio(r: number | null): string {
  return r === null ? '—' : `${r.toFixed(2)}×`;
}

/** `0.26×`, or `0.24–0.31×` when the two ends differ as printed. */
export function formatRatioRange(low: number, high: number): string {
  const [a, b] = [formatRatio(low), formatRatio(high)];
  return a === b ? a : `${a.slice(0, -1)}–${b}`;
}

/** A plain-text table with aligned columns; numbers (anything starting with a digit or sign) right-aligned. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (cell: string): boolean => /^[-+−±]?[\d.]/.test(cell);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric(c) && i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: string[], rows: string[][], rightAligned: boolean[] = []): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (rightAligned[i] ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
