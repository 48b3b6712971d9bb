// The verdict per workload: each checked figure judged by the noise-aware rule of
// ../results/verdict.ts against its practical margin (relative AND absolute: `5%,20MiB` by default;
// `10%` or `64MiB` alone set one of them), plus a candidate that failed every run.
import { statsOf, type Cell, type CellStats } from '../results/cells';
import { DEFAULT_FIGURE, figureNames, findFigure, type Figure } from '../results/figures';
import { InputError } from '../results/load';
import { DEFAULT_MARGIN, marginFor, parseMargin } from '../results/margin';
import { DEFAULT_CONFIDENCE, judge, seedOf, type Interval, type Margin } from '../results/verdict';

export { DEFAULT_MARGIN, parseMargin, type Margin };

export interface Criterion {
  figure: Figure;
  margin: Margin;
}

export type Status = 'regression' | 'improved' | 'same' | 'inconclusive' | 'no-data';

export interface Check {
  figure: Figure;
  margin: Margin;
  baseline: CellStats | null;
  candidate: CellStats | null;
  /** candidate median - baseline median. */
  delta: number | null;
  /** delta / baseline median (Infinity from 0). */
  relative: number | null;
  /** The confidence interval of the change of the median (bootstrap). */
  interval: Interval | null;
  status: Status;
  /** Why an inconclusive check is one, in words. */
  why: string | null;
}

export interface WorkloadVerdict {
  workload: string;
  checks: Check[];
  /** Why the candidate counts as regressed without figures: it failed every run the baseline passed. */
  failed: string | null;
  regression: boolean;
  /** No regression, and at least one check could not be decided on these runs. */
  inconclusive: boolean;
}

/** `--figure NAME` or `--figure NAME=MARGIN`; none given means the default figure. */
export function parseCriteria(figureArgs: string[], marginText = DEFAULT_MARGIN): Criterion[] {
  parseMargin(marginText);
  const args = figureArgs.length > 0 ? figureArgs : [DEFAULT_FIGURE];
  return args.map((arg) => {
    const [name, own] = arg.split('=');
    const figure = findFigure(name.trim());
    if (!figure) throw new InputError(`unknown figure "${name}"; known: ${figureNames().join(', ')}`);
    return { figure, margin: own === undefined ? marginFor(marginText, figure.unit) : parseMargin(own, figure.unit) };
  });
}

/** `95%` or `95`: the confidence of the interval, 50 to 99.9 %. */
export function parseConfidence(text: string): number {
  const value = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 50 || value > 99.9) throw new InputError(`bad confidence "${text}": a percentage from 50 to 99.9`);
  return value / 100;
}

function values(cell: Cell, figure: Figure): number[] {
  return cell.runs.map(figure.read).filter((v): v is number => v !== null);
}

export function check(criterion: Criterion, baseline: Cell, candidate: Cell, workload = '', confidence = DEFAULT_CONFIDENCE): Check {
  const base = statsOf(baseline.runs, criterion.figure);
  const cand = statsOf(candidate.runs, criterion.figure);
  const empty = { ...criterion, baseline: base, candidate: cand, delta: null, relative: null, interval: null, why: null };
  if (!base || !cand) return { ...empty, status: 'no-data' };
  const delta = cand.median - base.median;
  const relative = base.median === 0 ? (delta === 0 ? 0 : Infinity) : delta / base.median;
  const seed = seedOf(`${workload}\0${criterion.figure.name}`);
  const judged = judge(values(baseline, criterion.figure), values(candidate, criterion.figure), criterion.margin, seed, confidence);
  return { ...empty, delta, relative, interval: judged.interval, status: judged.outcome, why: judged.why };
}

export function judgeWorkload(
  workload: string,
  criteria: Criterion[],
  baseline: Cell,
  candidate: Cell,
  confidence = DEFAULT_CONFIDENCE,
): WorkloadVerdict {
  const checks = criteria.map((c) => check(c, baseline, candidate, workload, confidence));
  const failed =
    candidate.runs.length === 0 && baseline.runs.length > 0
      ? `the candidate failed all ${candidate.failures.length} runs (${[...new Set(candidate.failures)].join('; ')})`
      : null;
  const regression = failed !== null || checks.some((c) => c.status === 'regression');
  return { workload, checks, failed, regression, inconclusive: !regression && checks.some((c) => c.status === 'inconclusive') };
}
