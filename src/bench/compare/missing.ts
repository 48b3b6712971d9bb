// Fail closed: a gate that cannot read the figure it gates on must not pass. A checked figure with
// no data on either side of a workload is bad input (exit 2) unless `--allow-missing` says
// otherwise; this names the first such figure, the side, the file and why.
import type { Cell } from '../results/cells';
import type { Comparison } from './comparison';
import type { Pair, Selection } from './select';

export const ALLOW_MISSING_HINT = 'pass --allow-missing to compare what there is';

function why(cell: Cell): string {
  if (cell.runs.length === 0) return `every run failed (${cell.failures.length})`;
  const without = cell.runs.filter((r) => r.record === null).length;
  if (without === cell.runs.length)
    return `none of its ${cell.runs.length} runs has a run record (run the target under qwen-otel run, not --plain)`;
  return `none of its ${cell.runs.length} runs carries it`;
}

/** One line for the first checked figure without data, or null when every check has its data. */
export function missingData(comparison: Comparison, selection: Selection): string | null {
  for (const w of comparison.workloads) {
    // A candidate that failed every run the baseline passed is a regression, not missing data.
    if (w.verdict.failed) continue;
    const pair = selection.pairs.find((p) => p.workload === w.workload) as Pair;
    for (const check of w.verdict.checks.filter((c) => c.status === 'no-data')) {
      const side = check.baseline === null ? 'baseline' : 'candidate';
      const target = side === 'baseline' ? selection.baseline : selection.candidate;
      return `no data for ${check.figure.name} on workload ${w.workload}: the ${side} ${target} (${selection.files[side]}): ${why(pair[side])}; ${ALLOW_MISSING_HINT}`;
    }
  }
  return null;
}
