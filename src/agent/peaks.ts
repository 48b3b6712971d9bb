// The largest figures a process has shown in its samples.
import type { ProcessPeaks, SampleMessage } from '../channel/protocol';

export function emptyPeaks(): ProcessPeaks {
  return { rss: 0, heapUsed: 0, oldUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, malloced: 0, spaces: {} };
}

export function raisePeaks(peaks: ProcessPeaks, sample: SampleMessage): void {
  peaks.rss = Math.max(peaks.rss, sample.mem.rss);
  peaks.heapUsed = Math.max(peaks.heapUsed, sample.mem.heapUsed);
  const heap = sample.heap;
  peaks.oldUsed = Math.max(peaks.oldUsed, heap?.oldUsed ?? 0);
  peaks.heapTotal = Math.max(peaks.heapTotal, sample.mem.heapTotal);
  peaks.external = Math.max(peaks.external, sample.mem.external);
  peaks.arrayBuffers = Math.max(peaks.arrayBuffers, sample.mem.arrayBuffers);
  if (!heap) return;
  peaks.malloced = Math.max(peaks.malloced, heap.malloced);
  for (const space of heap.spaces) {
    peaks.spaces[space.name] = Math.max(peaks.spaces[space.name] ?? 0, space.used);
  }
}
