// The noise-aware verdict on one figure: a bootstrap confidence interval for the change of the
// median (candidate less baseline, and as a fraction of the baseline), judged against a practical
// margin that is relative AND absolute (default 5 % and 20 MiB for bytes).
//
// Why a bootstrap of the median and not Mann-Whitney: the gate's question is "did the median grow
// by more than the margin?", which needs an interval in the figure's own unit to set against both
// margins. Mann-Whitney answers "is one side stochastically larger?" with a p-value and no size;
// with 3 runs a side its smallest two-sided p is 0.10, so it could never flag anything at 5 % on the
// matrix's default repeats, and a size would still need a second estimator (Hodges-Lehmann) with
// its own interval. The percentile bootstrap gives both at once, needs no distribution (Qwen's
// worker peak is bimodal), and with 3 runs a side its 95 % interval is exactly [min candidate −
// max baseline, max candidate − min baseline]: a regression then needs every candidate run above
// every baseline run by more than the margin. It is seeded, so the same runs give the same verdict.
import { median, quantile } from './stats';

export interface Margin {
  /** A fraction of the baseline median (0.05 for 5 %). */
  relative: number;
  /** In the figure's unit (bytes, ms, count); 0 when only the relative margin applies. */
  absolute: number;
  text: string;
}

export interface Interval {
  /** Candidate median less baseline median, at the interval's two ends. */
  low: number;
  high: number;
  /** The same as fractions of the baseline median (Infinity from a zero baseline). */
  relativeLow: number;
  relativeHigh: number;
  /** 0.95 for a 95 % interval. */
  confidence: number;
}

export type Outcome = 'regression' | 'improved' | 'same' | 'inconclusive';

export interface Judgement {
  outcome: Outcome;
  interval: Interval | null;
  /** For `inconclusive`: why, in words. */
  why: string | null;
}

export const DEFAULT_CONFIDENCE = 0.95;
/** Fewer runs cannot show the noise: below this a side's verdict is inconclusive. */
export const MIN_RUNS = 3;
const RESAMPLES = 2000;

/** mulberry32: a small, fast, well-distributed 32-bit generator; seeded, so verdicts repeat. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a name: each check gets its own stream, the same one every time. */
export function seedOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i += 1) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function resampledMedian(values: number[], next: () => number): number {
  const draw = values.map(() => values[Math.floor(next() * values.length)]).sort((a, b) => a - b);
  return quantile(draw, 0.5);
}

/** Percentile bootstrap of the change of the median; the runs are sorted first, so their order does not matter. */
export function bootstrapChange(baseline: number[], candidate: number[], seed: number, confidence = DEFAULT_CONFIDENCE): Interval {
  const [base, cand] = [baseline, candidate].map((v) => [...v].sort((a, b) => a - b));
  const next = random(seed);
  const deltas: number[] = [];
  const relatives: number[] = [];
  for (let i = 0; i < RESAMPLES; i += 1) {
    const b = resampledMedian(base, next);
    const delta = resampledMedian(cand, next) - b;
    deltas.push(delta);
    relatives.push(b === 0 ? (delta === 0 ? 0 : Math.sign(delta) * Infinity) : delta / b);
  }
  const tail = (1 - confidence) / 2;
  const ends = (values: number[]): [number, number] => {
    values.sort((a, b) => a - b);
    return [quantile(values, tail), quantile(values, 1 - tail)];
  };
  const [low, high] = ends(deltas);
  const [relativeLow, relativeHigh] = ends(relatives);
  return { low, high, relativeLow, relativeHigh, confidence };
}

/**
 * Regression: the whole interval above both margins. Improved: the whole interval below both,
 * negated. Same: the interval's top within either margin (so it cannot clear both). Otherwise
 * inconclusive: the interval straddles the margin, and more runs would narrow it.
 */
export function judge(baseline: number[], candidate: number[], margin: Margin, seed: number, confidence = DEFAULT_CONFIDENCE): Judgement {
  const fewest = Math.min(baseline.length, candidate.length);
  if (fewest === 0) return { outcome: 'inconclusive', interval: null, why: 'no data' };
  const interval = bootstrapChange(baseline, candidate, seed, confidence);
  if (fewest < MIN_RUNS) {
    return {
      outcome: 'inconclusive',
      interval,
      why: `${fewest} run${fewest === 1 ? '' : 's'} on one side cannot show the noise (at least ${MIN_RUNS} a side)`,
    };
  }
  const above = (delta: number, relative: number): boolean => delta > margin.absolute && relative > margin.relative;
  if (above(interval.low, interval.relativeLow)) return { outcome: 'regression', interval, why: null };
  if (above(-interval.high, -interval.relativeHigh)) return { outcome: 'improved', interval, why: null };
  if (interval.high <= margin.absolute || interval.relativeHigh <= margin.relative) return { outcome: 'same', interval, why: null };
  return { outcome: 'inconclusive', interval, why: `the ${Math.round(confidence * 100)} % interval straddles the margin ${margin.text}` };
}

/** The rule before this one, kept for comparison (bench:verdict): the candidate's median above the baseline's by more than a fraction. */
export function fixedRule(baseline: number[], candidate: number[], fraction: number): boolean {
  const b = median(baseline);
  return b > 0 ? (median(candidate) - b) / b > fraction : median(candidate) > 0;
}
