// One sample of this process: memory as Node and the kernel see it, V8's heap and spaces, the
// event loop and GC since the last sample. Tracks peaks, the near-out-of-memory mark and the
// opt-in heap-snapshot threshold.
import type { ProcessPeaks, SampleMessage } from '../channel/protocol';
import { readProcessMemory } from '../probes/process-memory';
import { readV8Heap } from '../probes/v8-heap';
import { emptyPeaks, raisePeaks } from './peaks';
import { RuntimeFigures } from './runtime-figures';

/**
 * V8 dies without a catchable error when its old generation nears its limit, and "near" is
 * V8's call: under CPU load, processes died at 83-90 % of it (measured; GCs that free too little
 * count as failed). So the record is written at 80 %, while we still can.
 */
export const PRESSURE_FRACTION = 0.8;
/** The first sample comes this soon even with a long interval. */
const FIRST_SAMPLE_MS = 100;

export interface SamplerHooks {
  onHeapPressure(sample: SampleMessage): void;
  onRssAbove(sample: SampleMessage): void;
}

export class Sampler {
  readonly peaks: ProcessPeaks = emptyPeaks();
  count = 0;
  private costNs = 0n;
  private pressureSeen = false;
  private rssMarkSeen = false;
  /** Made with the first sample: the preload itself loads neither node:v8 nor node:perf_hooks. */
  private runtimeFigures: RuntimeFigures | null = null;
  private timer: NodeJS.Timeout | null = null;
  private send: (sample: SampleMessage) => void = () => undefined;

  constructor(
    private readonly hooks: SamplerHooks,
    private readonly rssMarkBytes: number | null,
  ) {}

  start(intervalMs: number, send: (sample: SampleMessage) => void): void {
    this.send = send;
    let due = Date.now() + intervalMs;
    const tick = (): void => {
      const now = Date.now();
      this.runtime().noteTimerDelay(now - due);
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
    // The first sample (and the GC watch that comes with it) soon, whatever the interval.
    setTimeout(tick, Math.min(intervalMs, FIRST_SAMPLE_MS)).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.runtimeFigures?.stop();
  }

  sample(): SampleMessage {
    const began = process.hrtime.bigint();
    const message: SampleMessage = {
      k: 'sample',
      t: Date.now(),
      mem: readProcessMemory(),
      heap: readV8Heap(),
      loop: this.runtime().takeLoop(),
      gc: this.runtime().takeGc(),
      costUs: 0,
    };
    raisePeaks(this.peaks, message);
    this.count += 1;
    this.costNs += process.hrtime.bigint() - began;
    message.costUs = Number(this.costNs / 1000n);
    this.checkMarks(message);
    return message;
  }

  private runtime(): RuntimeFigures {
    this.runtimeFigures ??= new RuntimeFigures(() => this.checkPressure());
    return this.runtimeFigures;
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
    if (!this.pressureSeen && sample.heap.oldUsed >= PRESSURE_FRACTION * sample.heap.oldLimit) {
      this.pressureSeen = true;
      this.hooks.onHeapPressure(sample);
    }
    if (this.rssMarkBytes !== null && !this.rssMarkSeen && sample.mem.rss >= this.rssMarkBytes) {
      this.rssMarkSeen = true;
      this.hooks.onRssAbove(sample);
    }
  }
}
