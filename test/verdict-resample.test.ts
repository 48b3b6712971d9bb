// bench:verdict's resampling (src/bench/verdict/resample.ts) on pools of known shape: A/A draws
// are disjoint and never cry wolf on quiet runs, a clear extra is found, a change right at the
// margin stays undecided without more runs, and a pool always gives the same figures.
import { describe, expect, it } from 'vitest';
import { parseMargin } from '../src/bench/results/margin';
import { resample } from '../src/bench/verdict/resample';

const MiB = 2 ** 20;
/** n runs around `mib`, spread evenly over ±`spread` MiB. */
const pool = (mib: number, spread: number, n = 12): number[] =>
  Array.from({ length: n }, (_, i) => (mib + spread * ((2 * i) / (n - 1) - 1)) * MiB);
const options = { repeats: 3, cap: 6, comparisons: 40, margin: parseMargin('5%,20MiB', 'bytes'), seed: 7 };

describe('resampling the verdict', () => {
  it('counts no false alarm on A/A draws of a quiet pool, and finds a clear extra every time', () => {
    expect(resample(pool(280, 2), null, options).outcomes.regression).toBe(0);
    const extra = resample(pool(280, 2), pool(380, 2), options);
    expect(extra.outcomes.regression).toBe(40);
    expect(extra.fixedRuleAlarms).toBe(40);
    expect(extra.meanRunsPerSide).toBe(3);
  });

  it('replays --until-confident: a change at the margin needs more runs, up to the cap', () => {
    const atMargin = resample(pool(280, 6), pool(301, 6), options);
    expect(atMargin.outcomes.inconclusive).toBeGreaterThan(0);
    expect(atMargin.meanRunsPerSide).toBeGreaterThan(3);
    expect(atMargin.meanRunsPerSide).toBeLessThanOrEqual(6);
  });

  it('gives the same figures for the same pool and seed', () => {
    expect(resample(pool(280, 6), pool(310, 6), options)).toEqual(resample(pool(280, 6), pool(310, 6), options));
  });

  it('refuses a pool too small for the runs a side', () => {
    expect(() => resample(pool(280, 2, 4), null, options)).toThrow(/a pool of 4 runs is too small for 3 runs a side/);
  });
});
