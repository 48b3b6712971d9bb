// One sample of this process: memory as Node and the kernel see it, V8's heap and spaces, the
// event loop and GC since the last sample. Tracks peaks, the near-out-of-memory mark and the
// opt-in heap-snapshot threshold.
import type { ProcessPeaks, SampleMessage } from '../channel/protocol';
import { readProcessMemory } from '../probes/process-memory';
import { flagOldSpaceLimit, flagsOfThisProcess, readV8Heap, v8Loaded, type V8Heap } from '../probes/v8-heap';
import type { OwnCost } from './own-cost';
import { emptyPeaks, raisePeaks } from './peaks';
import { RuntimeFigures } from './runtime-figures';

/**
 * V8 dies without a catchable error when its old generation nears its limit, and "near" is
 * V8's call: under CPU load, processes died at 83-90 % of it (measured; GCs that free too little
 * count as failed). So the record is written at 80 %, while we still can.
 */
export const PRESSURE_FRACTION = 0.8;
/**
 * Below this much V8 heap in use, a sample reads what process.memoryUsage() gives and no more:
 * node:v8 and node:perf_hooks cost a small process +1.9 MiB of VmHWM together (measured on a
 * child holding 20 MiB: +3.2 MiB in all before, +0.6 MiB after). A heap this small is far from
 * any limit V8 sets by itself; a lower --max-old-space-size lowers the mark to half of it.
 */
export const HEAP_DETAIL_BYTES = 16 * 1024 * 1024;
/** The first sample comes this soon even with a long interval. */
const FIRST_SAMPLE_MS = 100;

export interface SamplerHooks {
  onHeapPressure(sample: SampleMessage): void;
  onRssAbove(sample: SampleMessage): void;
}

export class Sampler {
  readonly peaks: ProcessPeaks = emptyPeaks();
  count = 0;
  private pressureSeen = false;
  private rssMarkSeen = false;
  private readonly runtime = new RuntimeFigures(() => this.checkPressure());
  private readonly detailMark: number;
  private detailed = false;
  private timer: NodeJS.Timeout | null = null;
  private send: (sample: SampleMessage) => void = () => undefined;

  constructor(
    private readonly hooks: SamplerHooks,
    private readonly rssMarkBytes: number | null,
    private readonly cost: OwnCost,
  ) {
    const flagLimit = flagOldSpaceLimit(flagsOfThisProcess());
    this.detailMark = flagLimit === null ? HEAP_DETAIL_BYTES : Math.min(HEAP_DETAIL_BYTES, flagLimit / 2);
  }

  start(intervalMs: number, send: (sample: SampleMessage) => void): void {
    this.send = send;
    let due = Date.now() + intervalMs;
    const tick = (): void => {
      const now = Date.now();
      this.runtime.noteTimerDelay(now - due);
      due = now + intervalMs;
      // An error here would surface in the CLI's own process as an uncaught exception.
      try {
        send(this.sample());
      } catch {
        this.stop();
      }
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    // The first sample soon, whatever the interval.
    setTimeout(tick, Math.min(intervalMs, FIRST_SAMPLE_MS)).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.runtime.stop();
  }

  /** `lean`: read nothing that is not loaded yet (the exit hook: loading now could raise the peak it reports). */
  sample(lean = false): SampleMessage {
    const message = this.cost.sampling((): SampleMessage => {
      const mem = readProcessMemory();
      const sample: SampleMessage = {
        k: 'sample',
        t: Date.now(),
        mem,
        heap: this.heapDetail(mem.heapUsed, lean),
        loop: this.runtime.takeLoop(),
        gc: this.runtime.takeGc(),
        costUs: 0,
        trafficUs: 0,
      };
      raisePeaks(this.peaks, sample);
      this.count += 1;
      return sample;
    });
    message.costUs = Math.round(this.cost.samplingUs);
    message.trafficUs = Math.round(this.cost.trafficUs);
    this.checkMarks(message);
    return message;
  }

  private heapDetail(heapUsed: number, lean: boolean): V8Heap | null {
    if (!this.detailed && (lean || (heapUsed < this.detailMark && !v8Loaded()))) return null;
    if (!this.detailed) {
      this.detailed = true;
      this.runtime.watch();
    }
    return readV8Heap();
  }

  /**
   * After a full GC: a heap running out does its last collections back to back, faster than any
   * timer fires, so the out-of-memory mark is checked there too (one heap read, no sample).
   */
  private checkPressure(): void {
    if (this.pressureSeen) return;
    const heap = readV8Heap();
    if (heap.oldUsed >= PRESSURE_FRACTION * heap.oldLimit) this.send(this.sample());
  }

  private checkMarks(sample: SampleMessage): void {
    const heap = sample.heap;
    if (!this.pressureSeen && heap && heap.oldUsed >= PRESSURE_FRACTION * heap.oldLimit) {
      this.pressureSeen = true;
      this.hooks.onHeapPressure(sample);
    }
    if (this.rssMarkBytes !== null && !this.rssMarkSeen && sample.mem.rss >= this.rssMarkBytes) {
      this.rssMarkSeen = true;
      this.hooks.onRssAbove(sample);
    }
  }
}
