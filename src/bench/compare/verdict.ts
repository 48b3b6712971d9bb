// Thresholds and the verdict: a figure regressed when the candidate's median exceeds the
// baseline's by more than the threshold (relative, e.g. 10%, or absolute, e.g. 64MiB / 500ms).
import { statsOf, type Cell, type CellStats } from '../results/cells';
import { DEFAULT_FIGURE, figureNames, findFigure, type Figure } from '../results/figures';
import { InputError } from '../results/load';

export interface Threshold {
  kind: 'relative' | 'absolute';
  /** A fraction (0.1 for 10%) or an amount in the figure's unit (bytes, ms, count). */
  value: number;
  text: string;
}

export interface Criterion {
  figure: Figure;
  threshold: Threshold;
}

export type Status = 'regression' | 'improved' | 'same' | 'no-data';

export interface Check {
  figure: Figure;
  threshold: Threshold;
  baseline: CellStats | null;
  candidate: CellStats | null;
  /** candidate median - baseline median. */
  delta: number | null;
  /** delta / baseline median (Infinity from 0). */
  relative: number | null;
  status: Status;
}

export interface WorkloadVerdict {
  workload: string;
  checks: Check[];
  /** Why the candidate counts as regressed without figures: it failed every run the baseline passed. */
  failed: string | null;
  regression: boolean;
}

export const DEFAULT_THRESHOLD = '10%';

const UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9, ms: 1, s: 1000 };

export function parseThreshold(text: string): Threshold {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%|[a-zA-Z]+)?\s*$/.exec(text);
  const unit = match?.[2]?.toLowerCase();
  if (!match || (unit && unit !== '%' && !(unit in UNITS))) {
    throw new InputError(`bad threshold "${text}": give a percentage (10%) or an amount (64MiB, 500ms, 3)`);
  }
  const amount = Number(match[1]);
  if (!unit || unit === '%') return { kind: 'relative', value: amount / 100, text: `${amount}%` };
  return { kind: 'absolute', value: amount * UNITS[unit], text: `${amount}${match[2]}` };
}

/** `--figure NAME` or `--figure NAME=THRESHOLD`; none given means the default figure. */
export function parseCriteria(figureArgs: string[], thresholdText = DEFAULT_THRESHOLD): Criterion[] {
  const fallback = parseThreshold(thresholdText);
  const args = figureArgs.length > 0 ? figureArgs : [DEFAULT_FIGURE];
  return args.map((arg) => {
    const [name, own] = arg.split('=');
    const figure = findFigure(name.trim());
    if (!figure) throw new InputError(`unknown figure "${name}"; known: ${figureNames().join(', ')}`);
    return { figure, threshold: own === undefined ? fallback : parseThreshold(own) };
  });
}

export function check(criterion: Criterion, baseline: Cell, candidate: Cell): Check {
  const base = statsOf(baseline.runs, criterion.figure);
  const cand = statsOf(candidate.runs, criterion.figure);
  const empty = { ...criterion, baseline: base, candidate: cand, delta: null, relative: null };
  if (!base || !cand) return { ...empty, status: 'no-data' };
  const delta = cand.median - base.median;
  const relative = base.median === 0 ? (delta === 0 ? 0 : Infinity) : delta / base.median;
  const over = criterion.threshold.kind === 'relative' ? relative : delta;
  const status: Status = over > criterion.threshold.value ? 'regression' : -over > criterion.threshold.value ? 'improved' : 'same';
  return { ...empty, delta, relative, status };
}

export function judgeWorkload(workload: string, criteria: Criterion[], baseline: Cell, candidate: Cell): WorkloadVerdict {
  const checks = criteria.map((c) => check(c, baseline, candidate));
  const failed =
    candidate.runs.length === 0 && baseline.runs.length > 0
      ? `the candidate failed all ${candidate.failures.length} runs (${[...new Set(candidate.failures)].join('; ')})`
      : null;
  return { workload, checks, failed, regression: failed !== null || checks.some((c) => c.status === 'regression') };
}
