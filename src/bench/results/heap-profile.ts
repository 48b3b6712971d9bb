// What filled the V8 heap (runs made with QWEN_OTEL_HEAP_PROFILE): per run, the heap profile of
// its process with the largest captured heap, and between two cells which packages (or modules)
// grew. Medians do not add, so as in the decomposition each side is one run, the one nearest its
// side's median sampled total, and its entries (which add up to its sampled total) are compared.
import type { BenchResult } from '../../contracts/bench-result';
import type { HeapProfileFigures } from '../../contracts/run-record';
import { formatBytes, formatDelta } from './format';
import { median } from './stats';

export type HeapGrouping = 'package' | 'module';

export interface RunHeap {
  repeat: number;
  role: string;
  profile: HeapProfileFigures;
  sampled: number;
}

export interface CellHeap {
  /** Runs that had a capture. */
  runs: number;
  /** The run nearest the median sampled total. */
  chosen: RunHeap;
  medianSampled: number;
  /** Share of the sampled bytes placed (not `(unattributed)`), in the chosen run. */
  attributedShare: number;
  pauseMedianMs: number | null;
  pauseMaxMs: number | null;
}

export interface HeapPart {
  name: string;
  baseline: number;
  candidate: number;
  delta: number;
}

export interface HeapDifference {
  baseline: CellHeap;
  candidate: CellHeap;
  /** Union of both sides' entries, largest move first; the deltas add up to `gap`. */
  parts: HeapPart[];
  gap: number;
}

const UNATTRIBUTED = '(unattributed)';

/** The run's process with the largest captured heap, or null without one. */
export function runHeap(run: BenchResult): RunHeap | null {
  let best: RunHeap | null = null;
  for (const p of run.record?.processes ?? []) {
    const profile = p.heap_profile;
    if (!profile || profile.sampled_bytes === null || profile.captures === 0) continue;
    if (!best || profile.sampled_bytes > best.sampled)
      best = { repeat: run.bench.repeat, role: p.role, profile, sampled: profile.sampled_bytes };
  }
  return best;
}

export function entriesOf(heap: RunHeap, by: HeapGrouping): Record<string, number> {
  return by === 'package' ? heap.profile.by_package_bytes : heap.profile.by_module_bytes;
}

export function cellHeap(runs: BenchResult[]): CellHeap | null {
  const heaps = runs.map(runHeap).filter((h): h is RunHeap => h !== null);
  if (heaps.length === 0) return null;
  const mid = median(heaps.map((h) => h.sampled));
  const chosen = heaps.reduce((a, b) => (Math.abs(b.sampled - mid) < Math.abs(a.sampled - mid) ? b : a));
  const pauses = heaps.flatMap((h) => (h.profile.pause_ms_median === null ? [] : [h.profile.pause_ms_median]));
  const maxes = heaps.flatMap((h) => (h.profile.pause_ms_max === null ? [] : [h.profile.pause_ms_max]));
  return {
    runs: heaps.length,
    chosen,
    medianSampled: mid,
    attributedShare: chosen.sampled > 0 ? 1 - (chosen.profile.by_package_bytes[UNATTRIBUTED] ?? 0) / chosen.sampled : 0,
    pauseMedianMs: pauses.length ? median(pauses) : null,
    pauseMaxMs: maxes.length ? Math.max(...maxes) : null,
  };
}

export function heapDifference(baselineRuns: BenchResult[], candidateRuns: BenchResult[], by: HeapGrouping): HeapDifference | null {
  const baseline = cellHeap(baselineRuns);
  const candidate = cellHeap(candidateRuns);
  if (!baseline || !candidate) return null;
  const b = entriesOf(baseline.chosen, by);
  const c = entriesOf(candidate.chosen, by);
  const parts = [...new Set([...Object.keys(b), ...Object.keys(c)])]
    .map((name) => ({ name, baseline: b[name] ?? 0, candidate: c[name] ?? 0, delta: (c[name] ?? 0) - (b[name] ?? 0) }))
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || x.name.localeCompare(y.name));
  return { baseline, candidate, parts, gap: candidate.chosen.sampled - baseline.chosen.sampled };
}

/** "+212.0 MiB zod, +140.0 MiB node:internal/encoding ..." for the moves that make up most of the gap. */
export function heapWords(d: HeapDifference, by: HeapGrouping, limit = 5): string {
  const moved = d.parts.filter((p) => p.delta !== 0).slice(0, limit);
  const list = moved.map((p) => `${formatDelta(p.delta, 'bytes')} ${p.name}`).join(', ');
  return `V8 heap by ${by} at each side's highest capture (${formatBytes(d.baseline.chosen.sampled)} → ${formatBytes(d.candidate.chosen.sampled)}, ${formatDelta(d.gap, 'bytes')}): ${list || 'no change'}.`;
}

/** The largest entries of a cell's chosen run, for tables and charts. */
export function topOf(cell: CellHeap, by: HeapGrouping, limit: number): Array<[string, number]> {
  return Object.entries(entriesOf(cell.chosen, by))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
}
