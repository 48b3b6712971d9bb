// The gap in median peak tree RSS between two cells, split into parts that add up to it exactly.
//
// Medians do not add, so the rule (docs/compare.md) is: on each side take the run whose peak tree
// RSS is nearest that side's median (ties: the earlier run) and split its peak into parts. Two
// views, each exact:
//   by kind: the diagnosis buckets at the sampled tree peak (heap in use, heap free, external,
//            native, cli_opaque, and child processes by role), plus `between_samples` (the tree
//            peak above that sampled moment, known from the kernel's per-process high-water marks);
//   by role: each role's own peak RSS, plus `not_at_once` (the tree peak less the sum of the role
//            peaks: negative when roles peaked at different moments).
// Both then add `median_rule`: the side's median less its chosen run's peak (0 with an odd count
// of runs, where the chosen run is the median; with an even count the lower middle run is chosen,
// so it is never negative), so each side's parts sum to its median exactly.
import { PROCESS_ROLES } from '../../config';
import type { BenchResult } from '../../contracts/bench-result';
import type { ProcessFigures } from '../../contracts/run-record';
import { BUCKETS } from './figures';
import { median } from './stats';

export interface Part {
  name: string;
  baseline: number;
  candidate: number;
  /** candidate - baseline; the deltas of a view sum to the gap. */
  delta: number;
}

export interface ProcessGroup {
  role: string;
  count: number;
  /** Sum of the processes' own peaks (VmHWM). */
  hwmBytes: number;
  /** Executable base names, deduplicated (e.g. `node`, `bash`). */
  names: string[];
}

export interface Side {
  median: number;
  /** The run decomposed: its repeat number and its peak. */
  repeat: number;
  peak: number;
  processes: ProcessGroup[];
}

export interface Decomposition {
  baseline: Side;
  candidate: Side;
  gap: number;
  byKind: Part[];
  byRole: Part[];
}

export const DECOMPOSITION_RULE =
  'each side: the run nearest its median peak tree RSS, split at its sampled peak; median_rule makes each side sum to its median';

export const KIND_PARTS = BUCKETS;
const ROLE_ORDER: readonly string[] = PROCESS_ROLES;

interface RunMemory {
  repeat: number;
  peak: number;
  kinds: Record<string, number>;
  roles: Record<string, number>;
  processes: ProcessGroup[];
}

/** The figures a decomposition needs from one run, or null when it has no record. */
export function runMemory(result: BenchResult): RunMemory | null {
  const record = result.record;
  if (!record) return null;
  const peak = record.tree.rss_peak_bytes;
  const buckets = record.diagnosis.buckets_bytes;
  const kinds: Record<string, number> = {};
  for (const name of KIND_PARTS) kinds[name] = numberOr0(buckets[name]);
  kinds.between_samples = peak - KIND_PARTS.reduce((sum, name) => sum + kinds[name], 0);
  const roles: Record<string, number> = {};
  for (const [role, bytes] of Object.entries(record.tree.rss_peak_by_role_bytes)) roles[role] = numberOr0(bytes);
  roles.not_at_once = peak - Object.values(roles).reduce((sum, v) => sum + v, 0);
  return { repeat: result.bench.repeat, peak, kinds, roles, processes: groupProcesses(record.processes) };
}

function numberOr0(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function groupProcesses(list: ProcessFigures[]): ProcessGroup[] {
  const groups = new Map<string, ProcessGroup>();
  for (const p of list) {
    const group = groups.get(p.role) ?? { role: p.role, count: 0, hwmBytes: 0, names: [] };
    group.count += 1;
    group.hwmBytes += numberOr0(p.hwm_bytes);
    if (!group.names.includes(p.name)) group.names.push(p.name);
    groups.set(p.role, group);
  }
  return [...groups.values()].sort((a, b) => rank(a.role) - rank(b.role));
}

function rank(role: string): number {
  const at = ROLE_ORDER.indexOf(role);
  return at === -1 ? ROLE_ORDER.length : at;
}

/**
 * The run nearest the median; on a tie (an even count: the two middle runs) the lower one, so the
 * median rule (median less this run's peak) is never negative; the earlier of equal peaks.
 */
export function nearestToMedian<T extends { peak: number }>(runs: T[], median: number): T {
  return runs.reduce((best, run) => {
    const [d, bestD] = [Math.abs(run.peak - median), Math.abs(best.peak - median)];
    return d < bestD || (d === bestD && run.peak < best.peak) ? run : best;
  });
}

export { median };

/** Null when either side has no run with a record that carries a diagnosis. */
export function decompose(baselineRuns: BenchResult[], candidateRuns: BenchResult[]): Decomposition | null {
  const base = baselineRuns.map(runMemory).filter((m): m is RunMemory => m !== null);
  const cand = candidateRuns.map(runMemory).filter((m): m is RunMemory => m !== null);
  if (base.length === 0 || cand.length === 0) return null;
  const baseMedian = median(base.map((r) => r.peak));
  const candMedian = median(cand.map((r) => r.peak));
  const b = nearestToMedian(base, baseMedian);
  const c = nearestToMedian(cand, candMedian);
  const adjust = { baseline: baseMedian - b.peak, candidate: candMedian - c.peak };
  return {
    baseline: { median: baseMedian, repeat: b.repeat, peak: b.peak, processes: b.processes },
    candidate: { median: candMedian, repeat: c.repeat, peak: c.peak, processes: c.processes },
    gap: candMedian - baseMedian,
    byKind: parts(b.kinds, c.kinds, [...KIND_PARTS, 'between_samples'], adjust),
    byRole: parts(b.roles, c.roles, orderedRoles(b.roles, c.roles), adjust),
  };
}

function orderedRoles(a: Record<string, number>, b: Record<string, number>): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  names.delete('not_at_once');
  return [...[...names].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y)), 'not_at_once'];
}

function parts(
  base: Record<string, number>,
  cand: Record<string, number>,
  names: string[],
  adjust: { baseline: number; candidate: number },
): Part[] {
  const out = names.map((name) => part(name, base[name] ?? 0, cand[name] ?? 0));
  out.push(part('median_rule', adjust.baseline, adjust.candidate));
  return out;
}

function part(name: string, baseline: number, candidate: number): Part {
  return { name, baseline, candidate, delta: candidate - baseline };
}

/** Parts by how much they moved, largest first (for words); the zeros dropped. */
export function movers(view: Part[]): Part[] {
  return view.filter((p) => p.delta !== 0).sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
}
