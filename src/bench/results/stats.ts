// Small statistics for benchmark reports: medians, spread, paired differences.

export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

export function spread(values: number[]): Spread {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, q1: NaN, q3: NaN };
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}

/** Linear interpolation between closest ranks, on sorted input. */
export function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export function median(values: number[]): number {
  return spread(values).median;
}

/** Differences of paired measurements (same round), candidate minus baseline. */
export function pairedDifferences(baseline: number[], candidate: number[]): number[] {
  return baseline.map((b, i) => candidate[i] - b).filter(Number.isFinite);
}
