// Attribution by configuration item: from a matrix run with a CLI's configurations (bench
// --config), each item's share of a figure is the paired difference (same matrix and repeat)
// between the run with that item alone and the run without any; the items together are the run
// with all of them. What the items do together beyond the sum of each alone (servers competing for
// start-up, shared pages) is shown as the remainder: all - none - the items' sum, per repeat.
import type { BenchResult } from '../../contracts/bench-result';
import { findFigure, type Figure } from '../results/figures';
import { spread, type Spread } from '../results/stats';

/** The figures split by item, in the order shown. */
export const ATTRIBUTED_FIGURES = ['tree_rss_peak', 'external_tree_rss_peak', 'request_tool_schema_bytes', 'tokens_input', 'wall'];

export interface ItemShare {
  /** An item's name, `all` (every item at once) or `remainder`. */
  item: string;
  /** Paired differences against the run without configuration, per figure. */
  figures: Record<string, Spread>;
}

export interface Attribution {
  /** The target without configuration, e.g. `qwen@0.15.10`. */
  target: string;
  workload: string;
  /** Repeats with a run of every configuration and of none. */
  pairs: number;
  /** The configuration whose items were all on, or null when none has them all. */
  all: string | null;
  shares: ItemShare[];
}

const baseTarget = (r: BenchResult): string => (r.bench.config ? r.bench.target.slice(0, -(r.bench.config.length + 1)) : r.bench.target);
const round = (r: BenchResult): string => `${r.bench.matrix_id}#${r.bench.repeat}`;

function figures(): Figure[] {
  return ATTRIBUTED_FIGURES.map((name) => findFigure(name) as Figure);
}

/** One attribution per target and workload that ran with configurations. */
export function attribute(results: BenchResult[]): Attribution[] {
  const ok = results.filter((r) => r.status === 'ok' && r.bench.repeat > 0);
  const groups = new Map<string, BenchResult[]>();
  for (const r of ok) {
    const key = `${baseTarget(r)}\u0000${r.bench.workload}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Attribution[] = [];
  for (const [key, runs] of groups) {
    if (!runs.some((r) => r.bench.config)) continue;
    const [target, workload] = key.split('\u0000');
    out.push(split(target, workload, runs));
  }
  return out;
}

function split(target: string, workload: string, runs: BenchResult[]): Attribution {
  const byConfig = new Map<string, Map<string, BenchResult>>();
  const items = new Map<string, string[]>();
  for (const r of runs) {
    const name = r.bench.config ?? '';
    if (name) items.set(name, r.bench.config_items ?? []);
    if (!byConfig.has(name)) byConfig.set(name, new Map());
    byConfig.get(name)?.set(round(r), r);
  }
  const none = byConfig.get('') ?? new Map<string, BenchResult>();
  const singles = [...items].filter(([, list]) => list.length === 1);
  const every = new Set(singles.map(([, [item]]) => item));
  const all = [...items].find(([, list]) => list.length > 1 && list.length === every.size && list.every((i) => every.has(i)))?.[0] ?? null;
  const used = [...singles.map(([name]) => name), ...(all ? [all] : [])];
  const rounds = [...none.keys()].filter((k) => used.every((name) => byConfig.get(name)?.has(k)));
  const diff = (name: string, figure: Figure, k: string): number => {
    const [a, b] = [figure.read(byConfig.get(name)?.get(k) as BenchResult), figure.read(none.get(k) as BenchResult)];
    return a === null || b === null ? NaN : a - b;
  };
  const share = (item: string, per: (figure: Figure, k: string) => number): ItemShare => ({
    item,
    figures: Object.fromEntries(figures().map((f) => [f.name, spread(rounds.map((k) => per(f, k)))])),
  });
  const shares = singles.map(([name, [item]]) => share(item, (f, k) => diff(name, f, k)));
  if (all) {
    shares.push(share('all', (f, k) => diff(all, f, k)));
    shares.push(share('remainder', (f, k) => diff(all, f, k) - singles.reduce((sum, [name]) => sum + diff(name, f, k), 0)));
  }
  return { target, workload, pairs: rounds.length, all, shares };
}
