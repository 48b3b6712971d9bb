// The terminal summary, in hyperfine's spirit: per cell (target × workload) the median, min and
// max of wall time and tree peak over the counted repeats, then each target against the baseline.
// Its memory figures are the ones report and compare print for the same runs (figures by name):
// the run record's tree peak and largest process peak, or the harness sampler's with --plain.
import type { BenchResult } from '../../contracts/bench-result';
import { buildCells, findCell } from '../results/cells';
import { findFigure, type Figure } from '../results/figures';
import { formatRatio, formatRatioRange } from '../results/format';
import { spread, type Spread } from '../results/stats';

const MiB = 1024 * 1024;

interface SummaryCell {
  target: string;
  workload: string;
  ok: number;
  failures: string[];
  wall: Spread;
  treePeak: Spread;
  hwm: Spread;
  requests: Spread;
  requestPeak: Spread;
}

interface MemoryFigures {
  tree: Figure;
  hwm: Figure;
  source: string;
}

/** The record's figures when any run has a record (as in report and compare), else the harness sampler's. */
function memoryFigures(results: BenchResult[]): MemoryFigures {
  const named = (name: string): Figure => findFigure(name) as Figure;
  if (results.some((r) => r.record !== null))
    return { tree: named('tree_rss_peak'), hwm: named('hwm_max'), source: 'from the run record, as in report and compare' };
  const sampler: Figure = {
    name: 'hwm_max_sampler',
    label: 'largest process peak (harness sampler)',
    unit: 'bytes',
    read: (r) => r.external.hwm_max_bytes,
  };
  return { tree: named('external_tree_rss_peak'), hwm: sampler, source: "from the bench's 20 ms sampler: no run records (--plain)" };
}

/** The report's cells (measured runs by target and workload), in the order asked for. */
function summaryCells(results: BenchResult[], targets: string[], workloads: string[], memory: MemoryFigures): SummaryCell[] {
  const all = buildCells(results);
  return workloads.flatMap((workload) =>
    targets.map((target) => {
      const cell = findCell(all, workload, target);
      const runs = cell?.runs ?? [];
      const of = (pick: (r: BenchResult) => number | null): Spread => spread(runs.map(pick).filter((v): v is number => v !== null));
      const mib =
        (figure: Figure) =>
        (r: BenchResult): number | null => {
          const v = figure.read(r);
          return v === null ? null : v / MiB;
        };
      return {
        target,
        workload,
        ok: runs.length,
        failures: cell?.failures ?? [],
        wall: of((r) => r.wall_ms / 1000),
        treePeak: of(mib(memory.tree)),
        hwm: of(mib(memory.hwm)),
        requests: of((r) => r.server.requests),
        requestPeak: of((r) => r.server.request_bytes_peak / 1024),
      };
    }),
  );
}

function range(s: Spread, digits: number): string {
  if (s.n === 0) return '—';
  const f = (v: number): string => v.toFixed(digits);
  return s.n === 1 || f(s.min) === f(s.max) ? f(s.median) : `${f(s.median)} [${f(s.min)}..${f(s.max)}]`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ')}`.trimEnd(),
  );
}

function ratio(candidate: number, baseline: number): string {
  return baseline > 0 && Number.isFinite(candidate) ? formatRatio(candidate / baseline) : '—';
}

export function formatSummary(results: BenchResult[], targets: string[], workloads: string[], baseline: string): string {
  const memory = memoryFigures(results);
  const all = summaryCells(results, targets, workloads, memory);
  const lines: string[] = [];
  for (const workload of workloads) {
    const rows = all.filter((c) => c.workload === workload);
    const base = rows.find((c) => c.target === baseline);
    lines.push('', `${workload}   (median [min..max] over the counted repeats; memory ${memory.source})`);
    const header = [
      'target',
      'runs ok',
      'wall s',
      'tree peak MiB',
      'largest process MiB',
      'requests',
      'peak request KiB',
      `tree vs ${baseline}`,
      'wall vs baseline',
    ];
    const body = rows.map((c) => [
      c.target,
      `${c.ok}/${c.ok + c.failures.length}`,
      range(c.wall, 2),
      range(c.treePeak, 1),
      range(c.hwm, 1),
      range(c.requests, 0),
      range(c.requestPeak, 1),
      c.target === baseline ? 'baseline' : ratio(c.treePeak.median, base?.treePeak.median ?? NaN),
      c.target === baseline ? 'baseline' : ratio(c.wall.median, base?.wall.median ?? NaN),
    ]);
    lines.push(...table([header, ...body]));
    for (const c of rows.filter((cell) => cell.failures.length > 0)) {
      lines.push(`  ! ${c.target}: ${c.failures.length} failed run(s): ${[...new Set(c.failures)].join('; ')}`);
    }
  }
  lines.push('', ...verdicts(all, targets, workloads, baseline));
  return `${lines.join('\n')}\n`;
}

/** One line per target: its tree peak against the baseline's, as a range over the workloads. */
function verdicts(all: SummaryCell[], targets: string[], workloads: string[], baseline: string): string[] {
  const out: string[] = [];
  for (const target of targets.filter((t) => t !== baseline)) {
    const ratios = workloads
      .map((w) => {
        const c = all.find((x) => x.target === target && x.workload === w);
        const b = all.find((x) => x.target === baseline && x.workload === w);
        return c && b ? c.treePeak.median / b.treePeak.median : NaN;
      })
      .filter((r) => Number.isFinite(r) && r > 0);
    if (ratios.length === 0) continue;
    out.push(
      `${target}: tree peak ${formatRatioRange(Math.min(...ratios), Math.max(...ratios))} that of ${baseline} over ${ratios.length} workload${ratios.length === 1 ? '' : 's'}`,
    );
  }
  return out;
}
