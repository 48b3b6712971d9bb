// What the reports show, computed once from a results file: per cell, the statistics of each
// reported figure, and the run nearest the median (whose buckets and timeline are drawn).
import type { BenchResult } from '../../contracts/bench-result';
import { attribute } from '../attribute/split';
import { attributionTable, type AttributionTable } from '../attribute/table';
import { decompose, nearestToMedian, runMemory } from '../results/decompose';
import { contextMoves, explain } from '../results/explain';
import { buildCells, findCell, ratio, statsOf, type Cell, type CellStats } from '../results/cells';
import { BUCKETS, DEFAULT_FIGURE, findFigure, REQUEST_PARTS, ROLES, type Figure } from '../results/figures';
import { cellHeap, type CellHeap, heapDifference, heapWords } from '../results/heap-profile';
import { measured, targetsOf, workloadsOf } from '../results/load';

/** Figures in the tables and charts. */
export const REPORTED = [
  'tree_rss_peak',
  'root_rss_peak',
  'hwm_max',
  'heap_used_peak',
  'heap_total_peak',
  'external_peak',
  'array_buffers_peak',
  'duration',
  'wall',
  'turns',
  'requests',
  'tokens_input',
  'tokens_output',
  'tool_calls',
  'peak_request_bytes',
  ...REQUEST_PARTS.map((p) => p.figure),
  'request_messages',
  'retained_tool_results',
  'largest_tool_result',
  'history_items',
  'subagents',
  'truncations',
  'saved_output_recoveries',
  'compressions',
  'processes_peak',
  'external_tree_rss_peak',
  ...ROLES.map((r) => `role_peak.${r}`),
  ...BUCKETS.map((b) => `bucket.${b}`),
] as const;

export interface ReportCell {
  workload: string;
  target: string;
  cliVersion: string | null;
  runs: number;
  failures: string[];
  withRecord: number;
  stats: Record<string, CellStats | null>;
  /** Median of this cell's peak tree RSS over the baseline target's, same workload. */
  ratioToBaseline: number | null;
  /** The run nearest the median peak: its timeline [t_ms, tree_rss, root_rss, heap_used, processes]. */
  timeline: number[][];
  /** Runs made with QWEN_OTEL_HEAP_PROFILE: what filled the V8 heap (null without). */
  heap: CellHeap | null;
}

export interface ReportData {
  generatedFrom: { runs: number; warmups: number; matrixIds: string[]; first: string | null; last: string | null };
  host: BenchResult['bench']['host'] | null;
  baseline: string;
  targets: string[];
  workloads: string[];
  cells: ReportCell[];
  /** Each other target against the baseline, per workload: where the difference in peak tree RSS is. */
  differences: Array<{ workload: string; target: string; words: string[] }>;
  /** Runs with configurations (bench --config, qwen-otel attribute): each item's share, leave-one-out. */
  attributions: AttributionTable[];
}

/** A candidate's words end with the heap by package when both sides were profiled. */
function heapLine(baseline: Cell, candidate: Cell): string[] {
  const d = heapDifference(baseline.runs, candidate.runs, 'package');
  return d ? [heapWords(d, 'package')] : [];
}

export function buildReport(results: BenchResult[], baseline?: string): ReportData {
  const targets = targetsOf(results);
  const base = baseline ?? targets[0];
  const cells = buildCells(results);
  const reportCells = cells.map(reportCell);
  for (const cell of reportCells) {
    const baseCell = reportCells.find((c) => c.workload === cell.workload && c.target === base);
    cell.ratioToBaseline = ratio(cell.stats[DEFAULT_FIGURE], baseCell?.stats[DEFAULT_FIGURE] ?? null);
  }
  const times = results
    .map((r) => r.time)
    .filter(Boolean)
    .sort();
  return {
    generatedFrom: {
      runs: measured(results).length,
      warmups: results.length - measured(results).length,
      matrixIds: [...new Set(results.map((r) => r.bench.matrix_id))],
      first: times[0] ?? null,
      last: times[times.length - 1] ?? null,
    },
    host: results[0]?.bench.host ?? null,
    baseline: base,
    targets,
    workloads: workloadsOf(results),
    cells: reportCells,
    differences: differences(cells, base),
    attributions: attribute(results).map((a) => attributionTable(a, true)),
  };
}

function differences(cells: Cell[], base: string): ReportData['differences'] {
  const out: ReportData['differences'] = [];
  for (const candidate of cells.filter((c) => c.target !== base)) {
    const baseline = findCell(cells, candidate.workload, base);
    const d = baseline ? decompose(baseline.runs, candidate.runs) : null;
    if (baseline && d)
      out.push({
        workload: candidate.workload,
        target: candidate.target,
        words: [...explain(d, contextMoves({ baseline, candidate })), ...heapLine(baseline, candidate)],
      });
  }
  return out;
}

/** A cell's figures; its ratio to the baseline is set once every cell has them. */
function reportCell(cell: Cell): ReportCell {
  const stats: Record<string, CellStats | null> = {};
  for (const name of REPORTED) stats[name] = statsOf(cell.runs, findFigure(name) as Figure);
  const version = cell.runs.map((r) => r.record?.cli_version).find((v) => typeof v === 'string');
  return {
    workload: cell.workload,
    target: cell.target,
    cliVersion: version ?? null,
    runs: cell.runs.length,
    failures: cell.failures,
    withRecord: cell.runs.filter((r) => r.record !== null).length,
    stats,
    ratioToBaseline: null,
    timeline: medianRunTimeline(cell.runs, stats[DEFAULT_FIGURE]),
    heap: cellHeap(cell.runs),
  };
}

function medianRunTimeline(runs: BenchResult[], peak: CellStats | null): number[][] {
  if (!peak) return [];
  const withMemory = runs.flatMap((r) => {
    const m = runMemory(r);
    return m ? [{ r, peak: m.peak }] : [];
  });
  if (withMemory.length === 0) return [];
  const nearest = nearestToMedian(withMemory, peak.median);
  return nearest.r.record?.timeline.points ?? [];
}

export function median(cell: ReportCell, figure: string): number | null {
  return cell.stats[figure]?.median ?? null;
}
