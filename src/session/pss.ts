// The tree's PSS and USS beside its RSS. RSS sums count a page shared by n processes n times
// (the node binary's text, libraries: Qwen's relaunch parent and worker share them); PSS splits
// it. Reading smaps_rollup walks the page tables: measured at ~59 ms for a 772 MiB Node process
// on a loaded 2-core machine (VmRSS through /proc/<pid>/status: ~6 µs), so it is read at a slow
// interval and when the tree's RSS has risen, never every sample (`npm run bench:pss` prices it).
import type { SmapsRollup } from '../probes/smaps-rollup';
import type { TreeSample } from './tree-sampler';

/** At most this long between two reads while the tree lives. */
export const PSS_INTERVAL_MS = 10_000;
/** A new RSS high this much above the last read's tree RSS is read early, but not within PSS_MIN_GAP_MS of the last. */
export const PSS_RISE = 1.05;
export const PSS_MIN_GAP_MS = 2_000;

export interface PssFigures {
  /** The largest tree PSS read (a lower bound: reads are sparse), with the USS and RSS of the same read. */
  peak: number;
  ussAtPeak: number;
  rssAtPeak: number;
  /** When the peak was read (ms since the epoch), 0 before any read. */
  at: number;
  reads: number;
  /** What reading cost, in ms of the collector's wall time. */
  costMs: number;
}

export function emptyPssFigures(): PssFigures {
  return { peak: 0, ussAtPeak: 0, rssAtPeak: 0, at: 0, reads: 0, costMs: 0 };
}

export class PssTracker {
  figures: PssFigures = emptyPssFigures();
  private lastAt = -Infinity;
  private rssAtLast = 0;

  /** `read`: a process's smaps_rollup, null when unreadable; absent where there is none (no reads). */
  constructor(private readonly read: ((pid: number) => SmapsRollup | null) | undefined) {}

  due(now: number, treeRss: number): boolean {
    const gap = now - this.lastAt;
    return gap >= PSS_INTERVAL_MS || (gap >= PSS_MIN_GAP_MS && treeRss > this.rssAtLast * PSS_RISE);
  }

  observe(now: number, sample: TreeSample): void {
    if (!this.read || sample.alive.length === 0 || !this.due(now, sample.total)) return;
    const started = performance.now();
    let pss = 0;
    let uss = 0;
    let rss = 0;
    let seen = 0;
    for (const entry of sample.alive) {
      if (entry.preExec) continue;
      const rollup = this.read(entry.pid);
      if (!rollup) continue;
      seen += 1;
      pss += rollup.pssBytes;
      uss += rollup.ussBytes;
      rss += rollup.rssBytes;
    }
    const f = this.figures;
    f.costMs += performance.now() - started;
    f.reads += 1;
    this.lastAt = now;
    this.rssAtLast = sample.total;
    if (seen > 0 && pss > f.peak) Object.assign(f, { peak: pss, ussAtPeak: uss, rssAtPeak: rss, at: now });
  }
}
