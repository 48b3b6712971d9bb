// Attribution by configuration item, leave-one-out: from a matrix run with a CLI's configurations
// (bench --config), the configuration with the most items is "all"; an item's share of a figure is
// the paired difference (same matrix and repeat) between the run with all items and the run with
// all but that item (for a single item: the run without any). Interactions (servers competing for
// start-up, pages they share) fall to no item: the remainder is the total (all - none) less the
// items' shares, so that the rows add up to the total exactly.
import type { Attribution, AttributionRow, ShareSpread } from '../../contracts/attribution';
import type { BenchResult } from '../../contracts/bench-result';
import { findFigure, type Figure } from '../results/figures';
import { spread } from '../results/stats';

/** The figures split by item, in the order shown. */
export const ATTRIBUTED_FIGURES = [
  'tree_rss_peak',
  'tree_pss_peak',
  'tool_schema_bytes_per_request',
  'input_tokens_per_request',
  'first_request_ms',
];

/** The configuration name `attribute` gives the run with every item but `item`. */
export const withoutName = (item: string): string => `without-${item}`;

const baseTarget = (r: BenchResult): string => (r.bench.config ? r.bench.target.slice(0, -(r.bench.config.length + 1)) : r.bench.target);
const round = (r: BenchResult): string => `${r.bench.matrix_id}#${r.bench.repeat}`;
const key = (items: string[]): string => [...items].sort().join(',');

function figures(): Figure[] {
  return ATTRIBUTED_FIGURES.map((name) => findFigure(name) as Figure);
}

/** One attribution per target and workload that ran with configurations. */
export function attribute(results: BenchResult[]): Attribution[] {
  const ok = results.filter((r) => r.status === 'ok' && r.bench.repeat > 0);
  const groups = new Map<string, BenchResult[]>();
  for (const r of ok) {
    const group = `${baseTarget(r)}\u0000${r.bench.workload}`;
    groups.set(group, [...(groups.get(group) ?? []), r]);
  }
  const out: Attribution[] = [];
  for (const [group, runs] of groups) {
    if (!runs.some((r) => r.bench.config) || !runs.some((r) => !r.bench.config)) continue;
    const [target, workload] = group.split('\u0000');
    out.push(split(target, workload, runs));
  }
  return out;
}

function toShare(values: number[]): ShareSpread {
  const s = spread(values);
  return s.n === 0 ? { n: 0, median: null, q1: null, q3: null } : { n: s.n, median: s.median, q1: s.q1, q3: s.q3 };
}

function split(target: string, workload: string, runs: BenchResult[]): Attribution {
  // Runs by their item set ('' is none), then by round.
  const bySet = new Map<string, Map<string, BenchResult>>();
  const names = new Map<string, string>();
  for (const r of runs) {
    const set = key(r.bench.config ? (r.bench.config_items ?? []) : []);
    if (r.bench.config) names.set(set, r.bench.config);
    if (!bySet.has(set)) bySet.set(set, new Map());
    bySet.get(set)?.set(round(r), r);
  }
  const allSet = [...names.keys()].reduce((a, b) => (b.split(',').length > a.split(',').length ? b : a));
  const items = allSet.split(',');
  const leaveOut = (item: string): string => key(items.filter((i) => i !== item));
  const missing = items.filter((i) => !bySet.has(leaveOut(i)));
  const present = items.filter((i) => !missing.includes(i));
  const rounds = [...(bySet.get('')?.keys() ?? [])].filter(
    (k) => bySet.get(allSet)?.has(k) && present.every((i) => bySet.get(leaveOut(i))?.has(k)),
  );
  const diff = (from: string, to: string, figure: Figure, k: string): number => {
    const [a, b] = [bySet.get(from)?.get(k), bySet.get(to)?.get(k)].map((r) => (r ? figure.read(r) : null));
    return a === null || a === undefined || b === null || b === undefined ? NaN : a - b;
  };
  const row = (item: string, per: (figure: Figure, k: string) => number): AttributionRow => ({
    item,
    figures: Object.fromEntries(figures().map((f) => [f.name, toShare(rounds.map((k) => per(f, k)))])),
  });
  const rows = items.map((item) =>
    missing.includes(item) ? row(item, () => NaN) : row(item, (f, k) => diff(allSet, leaveOut(item), f, k)),
  );
  const total = row('total', (f, k) => diff(allSet, '', f, k));
  rows.push(remainder(rows, total, missing.length > 0), total);
  return { target, workload, method: 'leave-one-out', all: names.get(allSet) ?? allSet, items, pairs: rounds.length, missing, rows };
}

/** The total's median less the items' medians: what the rows leave out, so that they add up. */
function remainder(items: AttributionRow[], total: AttributionRow, incomplete: boolean): AttributionRow {
  const figures: Record<string, ShareSpread> = {};
  for (const [name, t] of Object.entries(total.figures)) {
    const shares = items.map((r) => r.figures[name].median);
    const known = !incomplete && t.median !== null && shares.every((m) => m !== null);
    figures[name] = known
      ? { n: t.n, median: (t.median as number) - shares.reduce((s: number, m) => s + (m as number), 0), q1: null, q3: null }
      : { n: 0, median: null, q1: null, q3: null };
  }
  return { item: 'remainder', figures };
}
