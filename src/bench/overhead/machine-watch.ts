// The whole machine's share of some process trees, for the observer-effect benchmark: every
// interval, the sum over every process of the trees (wrappers, CLIs, their children) and,
// optionally, the shared collector, of RSS and of PSS (/proc/<pid>/smaps_rollup: a page shared by
// n processes counts 1/n, so node's text pages, mapped by every process, count once, not per
// process). Keeps the largest sums seen.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATE } from '../../contracts/session-layout';
import { readChildren } from '../../probes/proc-children';
import { descendantsViaChildren } from '../../probes/process-tree';

export interface MachinePeak {
  rss: number;
  pss: number;
  /** The collector's part of the sums at their peaks (0 when none is counted). */
  collectorRss: number;
  collectorPss: number;
  processes: number;
}

export interface MachineWatch {
  addRoot(pid: number): void;
  stop(): MachinePeak;
}

const KIB = 1024;

function kibField(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * KIB : 0;
}

function memoryOf(pid: number): { rss: number; pss: number } | null {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    return { rss: kibField(rollup, 'Rss'), pss: kibField(rollup, 'Pss') };
  } catch {
    return null;
  }
}

/** The collector serving `stateDir` now, if one runs. */
function collectorPid(stateDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(stateDir, STATE.collectorId), 'utf8').trim().split(' ')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** `collectorState`: the state directory whose collector counts too (null: none counted). */
export function watchMachine(collectorState: string | null, intervalMs = 50): MachineWatch {
  const roots = new Set<number>();
  const peak: MachinePeak = { rss: 0, pss: 0, collectorRss: 0, collectorPss: 0, processes: 0 };
  const sample = (): void => {
    const pids = new Set<number>();
    for (const root of roots) for (const pid of [root, ...descendantsViaChildren(root, (p) => readChildren(p))]) pids.add(pid);
    const collector = collectorState ? collectorPid(collectorState) : null;
    if (collector) pids.add(collector);
    let rss = 0;
    let pss = 0;
    let collectorRss = 0;
    let collectorPss = 0;
    for (const pid of pids) {
      const memory = memoryOf(pid);
      if (!memory) continue;
      rss += memory.rss;
      pss += memory.pss;
      if (pid === collector) {
        collectorRss = memory.rss;
        collectorPss = memory.pss;
      }
    }
    if (pss > peak.pss) Object.assign(peak, { pss, collectorPss, processes: pids.size });
    if (rss > peak.rss) Object.assign(peak, { rss, collectorRss });
  };
  const timer = setInterval(sample, intervalMs);
  return {
    addRoot: (pid) => {
      roots.add(pid);
      sample();
    },
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
