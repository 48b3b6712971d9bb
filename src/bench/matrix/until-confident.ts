// `qwen-otel bench --until-confident`: after the planned rounds, another round for every workload
// where some target's peak tree RSS against the baseline is still inconclusive by the verdict
// `compare` gives (../results/verdict.ts), until every cell is decided or a cap is reached. Only
// the undecided cells and their baseline run again. The figure is the run record's tree peak, or
// with --plain (no records) the harness sampler's.
import type { BenchResult } from '../../contracts/bench-result';
import { buildCells, findCell } from '../results/cells';
import { DEFAULT_FIGURE, findFigure, type Figure } from '../results/figures';
import type { Margin } from '../results/verdict';
import { judge, seedOf } from '../results/verdict';
import type { ResolvedTarget } from '../targets/presets';
import type { Workload } from '../workloads';

export interface Undecided {
  workload: Workload;
  targets: ResolvedTarget[];
}

export function judgedFigure(instrumented: boolean): Figure {
  return findFigure(instrumented ? DEFAULT_FIGURE : 'external_tree_rss_peak') as Figure;
}

function values(results: BenchResult[], workload: string, target: string, figure: Figure): number[] {
  const cell = findCell(buildCells(results), workload, target);
  return (cell?.runs ?? []).map(figure.read).filter((v): v is number => v !== null);
}

/** Per workload, the targets whose verdict against the baseline is still inconclusive. */
export function undecided(
  results: BenchResult[],
  targets: ResolvedTarget[],
  workloads: Workload[],
  baseline: string,
  margin: Margin,
  figure: Figure,
): Undecided[] {
  return workloads.flatMap((workload) => {
    const base = values(results, workload.name, baseline, figure);
    const open = targets
      .filter((t) => t.label !== baseline)
      .filter((t) => {
        const judged = judge(base, values(results, workload.name, t.label, figure), margin, seedOf(`${workload.name}\0${figure.name}`));
        return judged.outcome === 'inconclusive';
      });
    return open.length > 0 ? [{ workload, targets: open }] : [];
  });
}

export function describeUndecided(cells: Undecided[]): string {
  return cells.map((c) => `${c.workload.name}: ${c.targets.map((t) => t.label).join(', ')}`).join('; ');
}
