// One sample of the process tree, summed: the tree's RSS, by role, and the lower bound on its peak
// between two samples that the processes' high-water marks give.
import { PROCESS_ROLES, type ProcessRole } from '../config';
import type { ProcessEntry } from './process-table';

export type RoleFigures = Record<ProcessRole, { rss: number; count: number }>;

export interface TreeSample {
  t: number;
  total: number;
  /**
   * A lower bound on the tree's peak between the previous sample and this one: a process whose
   * high-water mark rose peaked in between, while the others held at least the smaller of their
   * two sampled RSS values. Catches a spike the sampler itself missed.
   */
  hwmBound: number;
  rootRss: number;
  count: number;
  byRole: RoleFigures;
  alive: ProcessEntry[];
}

export function emptyRoleFigures(): RoleFigures {
  return Object.fromEntries(PROCESS_ROLES.map((role) => [role, { rss: 0, count: 0 }])) as RoleFigures;
}

/** The tree's figures at one sample: what is alive (a copy between fork and exec is not counted). */
export function summarizeTree(now: number, alive: ProcessEntry[]): TreeSample {
  const byRole = emptyRoleFigures();
  let total = 0;
  let rootRss = 0;
  for (const entry of alive) {
    if (entry.preExec) continue;
    total += entry.rss;
    byRole[entry.role].rss += entry.rss;
    byRole[entry.role].count += 1;
    if (entry.role === 'cli') rootRss = Math.max(rootRss, entry.rss);
  }
  return { t: now, total, hwmBound: hwmBound(alive), rootRss, count: alive.length, byRole, alive };
}

function hwmBound(everyone: ProcessEntry[]): number {
  const alive = everyone.filter((e) => !e.preExec);
  const held = (e: ProcessEntry): number => Math.min(e.prevRss, e.rss);
  const othersHeld = alive.reduce((sum, e) => sum + held(e), 0);
  let bound = 0;
  for (const entry of alive) {
    if (entry.hwm > entry.prevHwm) bound = Math.max(bound, entry.hwm + othersHeld - held(entry));
  }
  return bound;
}
