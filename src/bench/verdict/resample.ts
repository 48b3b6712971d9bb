// The verdict's error rates, measured by resampling a pool of real runs: many comparisons of N runs
// a side drawn without replacement from the runs of each variant (seeded, so a pool always gives
// the same figures). A/A draws both sides from one variant's pool, disjoint. `--until-confident`
// is replayed by drawing one more run a side while the verdict is inconclusive, up to a cap.
import { fixedRule, judge, random, seedOf, type Margin, type Outcome } from '../results/verdict';

export interface Tally {
  comparisons: number;
  /** New rule, on `repeats` runs a side. */
  outcomes: Record<Outcome, number>;
  /** The former rule: median more than 10 % above, on the same draws. */
  fixedRuleAlarms: number;
  /** New rule with --until-confident replayed: the final outcomes and runs a side used. */
  untilConfident: Record<Outcome, number>;
  meanRunsPerSide: number;
}

export interface ResampleOptions {
  repeats: number;
  /** Most runs a side --until-confident may use. */
  cap: number;
  comparisons: number;
  margin: Margin;
  seed: number;
}

function shuffled(values: number[], next: () => number): number[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const zero = (): Record<Outcome, number> => ({ regression: 0, improved: 0, same: 0, inconclusive: 0 });

/** Baseline and candidate draws for one comparison: from one pool (A/A, disjoint halves) or from two. */
function draws(basePool: number[], candPool: number[] | null, next: () => number): [number[], number[]] {
  if (candPool === null) {
    const all = shuffled(basePool, next);
    const half = Math.floor(all.length / 2);
    return [all.slice(0, half), all.slice(half)];
  }
  return [shuffled(basePool, next), shuffled(candPool, next)];
}

/** `candPool` null: A/A on `basePool`. */
export function resample(basePool: number[], candPool: number[] | null, o: ResampleOptions): Tally {
  const next = random(o.seed);
  const tally: Tally = { comparisons: o.comparisons, outcomes: zero(), fixedRuleAlarms: 0, untilConfident: zero(), meanRunsPerSide: 0 };
  let runs = 0;
  for (let c = 0; c < o.comparisons; c += 1) {
    const [base, cand] = draws(basePool, candPool, next);
    const cap = Math.min(o.cap, base.length, cand.length);
    if (cap < o.repeats) throw new Error(`a pool of ${basePool.length} runs is too small for ${o.repeats} runs a side`);
    const seed = seedOf(`comparison ${c}`);
    const first = judge(base.slice(0, o.repeats), cand.slice(0, o.repeats), o.margin, seed);
    tally.outcomes[first.outcome] += 1;
    if (fixedRule(base.slice(0, o.repeats), cand.slice(0, o.repeats), 0.1)) tally.fixedRuleAlarms += 1;
    let n = o.repeats;
    let outcome = first.outcome;
    while (outcome === 'inconclusive' && n < cap) {
      n += 1;
      outcome = judge(base.slice(0, n), cand.slice(0, n), o.margin, seed).outcome;
    }
    tally.untilConfident[outcome] += 1;
    runs += n;
  }
  tally.meanRunsPerSide = runs / o.comparisons;
  return tally;
}
