// Per-cell statistics shared by the runner's terminal summary, the reports and `compare`:
// one cell = one target on one workload, over its measured runs (warm-ups and failures left out).
import type { BenchResult } from '../../contracts/bench-result';
import { spread } from './stats';
import type { Figure } from './figures';
import { measured, targetsOf, workloadsOf } from './load';

export interface CellStats {
  /** Runs that had this figure. */
  n: number;
  median: number;
  min: number;
  max: number;
  /** Interquartile range (q3 - q1): robust to one odd run. */
  iqr: number;
  /** (max - min) / median: how far apart the runs were, as a fraction. */
  relativeRange: number;
}

export interface Cell {
  workload: string;
  target: string;
  /** Measured runs with status ok, in file order. */
  runs: BenchResult[];
  /** Measured runs that failed, with their reasons. */
  failures: string[];
}

export function cellStats(values: number[]): CellStats | null {
  const s = spread(values);
  if (s.n === 0) return null;
  return {
    n: s.n,
    median: s.median,
    min: s.min,
    max: s.max,
    iqr: s.q3 - s.q1,
    relativeRange: s.median > 0 ? (s.max - s.min) / s.median : 0,
  };
}

function figureValues(runs: BenchResult[], figure: Figure): number[] {
  return runs.map(figure.read).filter((v): v is number => v !== null);
}

/** One figure over some runs (a cell's, say); null when no run has it. */
export function statsOf(runs: BenchResult[], figure: Figure): CellStats | null {
  return cellStats(figureValues(runs, figure));
}

/** Every (workload, target) pair present in the results, workloads then targets in file order. */
export function buildCells(results: BenchResult[]): Cell[] {
  const runs = measured(results);
  const cells: Cell[] = [];
  for (const workload of workloadsOf(results)) {
    for (const target of targetsOf(results)) {
      const here = runs.filter((r) => r.bench.workload === workload && r.bench.target === target);
      if (here.length === 0 && !results.some((r) => r.bench.workload === workload && r.bench.target === target)) continue;
      cells.push({
        workload,
        target,
        runs: here.filter((r) => r.status === 'ok'),
        failures: here.filter((r) => r.status !== 'ok').map((r) => r.failure ?? 'failed'),
      });
    }
  }
  return cells;
}

export function findCell(cells: Cell[], workload: string, target: string): Cell | undefined {
  return cells.find((c) => c.workload === workload && c.target === target);
}

/** Median of the candidate over the median of the baseline (hyperfine's "x times"), or null. */
export function ratio(candidate: CellStats | null, baseline: CellStats | null): number | null {
  if (!candidate || !baseline || baseline.median === 0) return null;
  return candidate.median / baseline.median;
}
