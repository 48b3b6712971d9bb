/**
 * Memory around one synchronous call, for the parse benchmark.
 *
 * Method: collect garbage twice (so the baseline holds only live data), read heap used + external
 * (ArrayBuffers and other off-heap memory V8 accounts for) and RSS, run the call, read them again
 * at once. With no collection in between, "heap after − heap before" is everything the call
 * allocated and still had on the heap when it returned: an upper bound of its live peak. A
 * collection during the call could hide part of it, so a PerformanceObserver counts collections
 * that started inside the call, and the report shows that count. Retained is then read after two
 * more collections while the call's result is still held (so a result that pinned its input, such
 * as a slice of a large string, would show).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface CallMemory {
  /** Heap + external allocated by the call and not yet collected when it returned. */
  peakExtraBytes: number;
  /** RSS growth across the call (pages touched; coarse). */
  rssExtraBytes: number;
  /** Heap + external still held after collections, the result included. */
  retainedBytes: number;
  /** Collections that started during the call (0: the peak figure is exact). */
  gcDuring: number;
}

/** `global.gc`, enabled at run time when node was started without --expose-gc. */
export function garbageCollector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapAndExternal(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** Start times of collections, to count those inside a call. */
class GcTimes {
  readonly starts: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.starts.push(entry.startTime);
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  countBetween(from: number, to: number): number {
    return this.starts.filter((start) => start >= from && start <= to).length;
  }

  stop(): void {
    this.observer.disconnect();
  }
}

/** Keeps a value reachable up to this call (V8 may drop a local after its last use). */
function holdUntilHere(value: unknown): void {
  if (value === holdUntilHere) throw new Error('unreachable');
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function measureCall(call: () => unknown): Promise<CallMemory> {
  const gc = garbageCollector();
  const gcTimes = new GcTimes();
  gc();
  gc();
  const heapBefore = heapAndExternal();
  const rssBefore = process.memoryUsage.rss();
  const start = performance.now();
  // The result is held while retained memory is read: what it references counts.
  const result = call();
  const end = performance.now();
  const heapDuring = heapAndExternal();
  const rssDuring = process.memoryUsage.rss();
  gc();
  gc();
  const retainedBytes = heapAndExternal() - heapBefore;
  holdUntilHere(result);
  await nextTurn();
  gcTimes.stop();
  return {
    peakExtraBytes: heapDuring - heapBefore,
    rssExtraBytes: rssDuring - rssBefore,
    retainedBytes,
    gcDuring: gcTimes.countBetween(start, end),
  };
}
