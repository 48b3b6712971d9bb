// Tables for benchmark results, in Markdown (readable in a terminal too), and where they are saved.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Spread, spread } from '../results/stats';

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

/** `--flag value` from a benchmark script's arguments, or the fallback. */
export function flagValue(argv: string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] ? (argv[i + 1] as string) : fallback;
}

/** One progress line on stderr: rewritten in place on a terminal, one line each otherwise. */
export function progressLine(line: string): void {
  process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
}

/** Writes `<out>/<prefix>-<time>.json` and `.md`; returns their common stem. */
export function saveReport(out: string, prefix: string, data: unknown, markdown: string): string {
  mkdirSync(out, { recursive: true });
  const stem = path.join(out, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(`${stem}.md`, `${markdown}\n`);
  return stem;
}
