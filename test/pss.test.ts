// PSS and USS from /proc/<pid>/smaps_rollup: the reader on a captured file and on this process,
// and when the tree's figures are read (a slow interval, and early on a rise of RSS).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSmapsRollup } from '../src/probes/smaps-rollup';
import { PSS_INTERVAL_MS, PSS_MIN_GAP_MS, PSS_SURGE, PSS_SURGE_GAP_MS, PssTracker } from '../src/session/pss';
import type { ProcessEntry } from '../src/session/process-table';
import type { TreeSample } from '../src/session/tree-sampler';

const fixture = (name: string): string => readFileSync(path.join(__dirname, 'fixtures', 'proc', name), 'latin1');
const KiB = 1024;

describe('smaps_rollup', () => {
  it('reads RSS, PSS, USS (private clean + dirty) and swapped PSS from a Node process holding 64 MiB of Buffers', () => {
    expect(parseSmapsRollup(fixture('smaps-rollup-node.txt'))).toEqual({
      rssBytes: 106368 * KiB,
      pssBytes: 73423 * KiB,
      ussBytes: 72040 * KiB,
      swapPssBytes: 0,
    });
  });

  it('is null for text of another kind', () => {
    expect(parseSmapsRollup(fixture('status-node.txt'))).toBeNull();
    expect(parseSmapsRollup('')).toBeNull();
  });

  it('on this process: USS <= PSS <= RSS', () => {
    const self = parseSmapsRollup(readFileSync('/proc/self/smaps_rollup', 'latin1'))!;
    expect(self.ussBytes).toBeGreaterThan(0);
    expect(self.ussBytes).toBeLessThanOrEqual(self.pssBytes);
    expect(self.pssBytes).toBeLessThanOrEqual(self.rssBytes);
  });
});

describe('when the tree PSS is read', () => {
  const entry = (pid: number): ProcessEntry => ({ pid, preExec: false }) as ProcessEntry;
  const sample = (t: number, total: number): TreeSample => ({ t, total, alive: [entry(1), entry(2)] }) as unknown as TreeSample;
  /** Two processes sharing 40 of their 100 MiB each: PSS 80 each. */
  const shared = (): { rssBytes: number; pssBytes: number; ussBytes: number; swapPssBytes: number } => ({
    rssBytes: 100,
    pssBytes: 80,
    ussBytes: 60,
    swapPssBytes: 0,
  });

  it('at the first sample, then every interval, and early (not within the minimum gap) when the RSS rose', () => {
    const reads: number[] = [];
    const tracker = new PssTracker((pid) => {
      reads.push(pid);
      return shared();
    });
    const times = [0, 500, PSS_SURGE_GAP_MS - 100, PSS_MIN_GAP_MS, PSS_MIN_GAP_MS + 500, PSS_INTERVAL_MS + PSS_MIN_GAP_MS + 500];
    const rss = [200, 200, 400, 200, 400, 200];
    for (const [i, t] of times.entries()) tracker.observe(t, sample(t, rss[i]!));
    // Read at 0 (first), not at 500 (no rise), not at 900 (a surge, but within even its short gap), not at the
    // gap with no rise, at gap + 500 (a rise past the gap), and after the interval.
    expect(tracker.figures.reads).toBe(3);
    expect(reads).toEqual([1, 2, 1, 2, 1, 2]);
    expect(tracker.figures).toMatchObject({ peak: 160, ussAtPeak: 120, rssAtPeak: 200 });
  });

  it('reads a surge above every read so far after the short gap, but a 10 % rise only after the minimum gap', () => {
    const tracker = new PssTracker(shared);
    const step = PSS_SURGE_GAP_MS;
    // 0: first read at 1000. step: +20 % (a rise, not a surge): no read. 2 steps: a surge over 1000: read.
    // 3 steps: back down, then 4 steps: up to the highest read again (no surge over it): no read.
    // 5 steps: a surge over that highest read: read, though the last read's RSS was lower.
    const rss = [1000, 1200, 1000 * PSS_SURGE + 1, 900, 1000 * PSS_SURGE + 1, (1000 * PSS_SURGE + 1) * PSS_SURGE + 1];
    const readAt: number[] = [];
    for (const [i, total] of rss.entries()) {
      const before = tracker.figures.reads;
      tracker.observe(i * step, sample(i * step, total));
      if (tracker.figures.reads > before) readAt.push(i);
    }
    expect(readAt).toEqual([0, 2, 5]);
  });

  it('keeps the largest tree PSS with the USS and RSS of the same read; nothing without a reader', () => {
    let pss = 80;
    const tracker = new PssTracker(() => ({ rssBytes: 100, pssBytes: pss, ussBytes: pss - 20, swapPssBytes: 0 }));
    tracker.observe(0, sample(0, 200));
    pss = 90;
    tracker.observe(PSS_INTERVAL_MS, sample(PSS_INTERVAL_MS, 200));
    pss = 50;
    tracker.observe(2 * PSS_INTERVAL_MS, sample(2 * PSS_INTERVAL_MS, 200));
    expect(tracker.figures).toMatchObject({ peak: 180, ussAtPeak: 140, rssAtPeak: 200, at: PSS_INTERVAL_MS, reads: 3 });
    const none = new PssTracker(undefined);
    none.observe(0, sample(0, 200));
    expect(none.figures.reads).toBe(0);
  });

  it("keeps each process's largest PSS with its USS of the same read; a process never read has none", () => {
    const [a, b, c] = [entry(1), entry(2), entry(3)];
    const byPid: Record<number, number[]> = { 1: [50, 70, 60], 2: [30, 20, 10] };
    let read = 0;
    const tracker = new PssTracker((pid) => {
      const pss = byPid[pid]?.[read];
      return pss === undefined ? null : { rssBytes: 100, pssBytes: pss, ussBytes: pss - 5, swapPssBytes: 0 };
    });
    for (; read < 3; read += 1) {
      const t = read * PSS_INTERVAL_MS;
      tracker.observe(t, { t, total: 200, alive: [a, b, c] } as unknown as TreeSample);
    }
    expect([a.pss, b.pss, c.pss]).toEqual([{ peak: 70, ussAtPeak: 65 }, { peak: 30, ussAtPeak: 25 }, undefined]);
  });
});
