// The tree's PSS and USS beside its RSS. RSS sums count a page shared by n processes n times
// (the node binary's text, libraries: Qwen's relaunch parent and worker share them); PSS splits
// it. Reading smaps_rollup walks the page tables: 17 ms of CPU per read of a 744 MiB Node process
// (wall: 59-438 ms on a 2-core machine at load 23-50), against ~0.1 ms for /proc/<pid>/status,
// so it is read at a slow interval and when the tree's RSS has risen, never every sample
// (`npm run bench:pss` prints both costs).
import type { SmapsRollup } from '../probes/smaps-rollup';
import type { ProcessEntry } from './process-table';
import type { TreeSample } from './tree-sampler';

/** At most this long between two reads while the tree lives. */
export const PSS_INTERVAL_MS = 10_000;
/**
 * A tree RSS this much above the last read's is read early, but not within PSS_MIN_GAP_MS of the
 * last: with 5 % and 2 s, a Qwen 0.15.10 run growing to 920 MiB was read 21 times (1.6 s of wall
 * time at load 24); the PSS peak was read at 918 of its 920 MiB RSS peak.
 */
export const PSS_RISE = 1.1;
export const PSS_MIN_GAP_MS = 5_000;
/**
 * A tree RSS this much above every read so far is read after PSS_SURGE_GAP_MS already: Qwen Code
 * 0.15.10 calling chrome-devtools-mcp's first tool went from 928 to 1,877 MiB of tree RSS within a
 * second and ended 3 s later, so under the 5 s gap alone its PSS peak was read at 1,078 MiB of RSS,
 * missing the browser. Against the highest read, not the last, it fires at most log1.25(peak/first)
 * times per run (13 from 100 MiB to 2 GiB).
 */
export const PSS_SURGE = 1.25;
export const PSS_SURGE_GAP_MS = 1_000;

export interface PssFigures {
  /** The largest tree PSS read (a lower bound: reads are sparse), with the USS and RSS of the same read. */
  peak: number;
  ussAtPeak: number;
  rssAtPeak: number;
  /** When the peak was read (ms since the epoch), 0 before any read. */
  at: number;
  reads: number;
  /** What reading cost, in ms of the collector's CPU time (wall time on a loaded machine says more about the load). */
  costMs: number;
}

export function emptyPssFigures(): PssFigures {
  return { peak: 0, ussAtPeak: 0, rssAtPeak: 0, at: 0, reads: 0, costMs: 0 };
}

type Rollup = SmapsRollup | null;

export class PssTracker {
  figures: PssFigures = emptyPssFigures();
  private lastAt = -Infinity;
  private rssAtLast = 0;
  private highestRssRead = 0;
  private reading = false;

  /**
   * `read`: a process's smaps_rollup, null when unreadable; absent where there is none (no reads).
   * A read that returns a promise runs off the sampling tick (a synchronous walk of a 900 MiB tree
   * held the collector's tick long enough to miss Qwen's peak by 5 % on a loaded machine).
   */
  constructor(private readonly read: ((pid: number) => Promise<Rollup> | Rollup) | undefined) {}

  due(now: number, treeRss: number): boolean {
    const gap = now - this.lastAt;
    return (
      gap >= PSS_INTERVAL_MS ||
      (gap >= PSS_MIN_GAP_MS && treeRss > this.rssAtLast * PSS_RISE) ||
      (gap >= PSS_SURGE_GAP_MS && treeRss > this.highestRssRead * PSS_SURGE)
    );
  }

  observe(now: number, sample: TreeSample): void {
    if (!this.read || this.reading || sample.alive.length === 0 || !this.due(now, sample.total)) return;
    this.lastAt = now;
    this.rssAtLast = sample.total;
    this.highestRssRead = Math.max(this.highestRssRead, sample.total);
    const started = process.cpuUsage();
    const entries = sample.alive.filter((entry) => !entry.preExec);
    const reads = entries.map((entry) => this.read?.(entry.pid) ?? null);
    if (!reads.some((r) => r instanceof Promise)) {
      this.add(entries, reads as Rollup[], now, started);
      return;
    }
    this.reading = true;
    void Promise.all(reads)
      .then((rollups) => this.add(entries, rollups, now, started))
      .finally(() => {
        this.reading = false;
      });
  }

  /** `started`: the CPU clock before the reads (off the tick, other work in between counts too: an upper bound). */
  private add(entries: ProcessEntry[], rollups: Rollup[], now: number, started: NodeJS.CpuUsage): void {
    let pss = 0;
    let uss = 0;
    let rss = 0;
    let seen = 0;
    for (const [i, rollup] of rollups.entries()) {
      if (!rollup) continue;
      const entry = entries[i];
      if (entry && rollup.pssBytes > (entry.pss?.peak ?? -1)) entry.pss = { peak: rollup.pssBytes, ussAtPeak: rollup.ussBytes };
      seen += 1;
      pss += rollup.pssBytes;
      uss += rollup.ussBytes;
      rss += rollup.rssBytes;
    }
    const f = this.figures;
    const spent = process.cpuUsage(started);
    f.costMs += (spent.user + spent.system) / 1000;
    f.reads += 1;
    if (seen > 0 && pss > f.peak) Object.assign(f, { peak: pss, ussAtPeak: uss, rssAtPeak: rss, at: now });
  }
}
