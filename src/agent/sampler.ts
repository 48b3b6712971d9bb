// One sample of this process: memory as Node and the kernel see it, V8's heap and spaces, the
// event loop and GC since the last sample. Tracks peaks, the near-out-of-memory mark and the
// opt-in heap-snapshot threshold.
import type { LoopFigures, ProcessPeaks, SampleMessage } from '../channel/protocol';
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
/**
 * A process that used less CPU than this since the last tick is idle, and is not read again: its
 * memory cannot have grown by much without CPU, and the timer's own wake-up already costs an idle
 * Node process 0.48 ms (median; 1.6 ms at most, at load 6, measured here). Reading and sending at
 * every tick of an idle CLI cost 0.17 % of a core.
 */
export const IDLE_CPU_US = 2000;
/** A sample that differs less than this from the last one sent, in every memory figure, is not sent. */
const CHANGE_BYTES = 256 * 1024;
/** Idle or unchanged, a sample is still read and sent this often, so no figure ages more. */
export const HEARTBEAT_MS = 10_000;
/**
 * After this many idle ticks in a row the timer fires every IDLE_INTERVAL_MS instead, until the
 * process is busy again (a tick finds CPU spent, or a GC runs): each wake-up of an idle Node
 * process costs it ~0.48 ms of CPU, most of an idle agent's cost. The collector still samples
 * the tree's RSS and high-water marks at the interval, so no tree peak is lost.
 */
export const IDLE_TICKS_BEFORE_SLOWING = 2;
export const IDLE_INTERVAL_MS = 2000;

export interface SamplerHooks {
  /** Each sample read at a tick, whether it is sent or not. */
  onRead?(sample: SampleMessage): void;
  onHeapPressure(sample: SampleMessage): void;
  onRssAbove(sample: SampleMessage): void;
}

export class Sampler {
  readonly peaks: ProcessPeaks = emptyPeaks();
  count = 0;
  private pressureSeen = false;
  private rssMarkSeen = false;
  private readonly runtime = new RuntimeFigures(
    () => this.checkPressure(),
    () => this.wake(),
  );
  private readonly detailMark: number;
  private detailed = false;
  private timer: NodeJS.Timeout | null = null;
  private send: (sample: SampleMessage) => void = () => undefined;
  private hasNews: () => boolean = () => false;
  private intervalMs = 0;
  private due = 0;
  private idleTicks = 0;
  private everyTick = false;
  private lastSent: SampleMessage | null = null;
  private cpuAfterTick = -Infinity;

  constructor(
    private readonly hooks: SamplerHooks,
    private readonly rssMarkBytes: number | null,
    private readonly cost: OwnCost,
    /** The process's CPU microseconds so far (every thread): how idleness is told. */
    private readonly processCpuUs: () => number = cpuUs,
  ) {
    const flagLimit = flagOldSpaceLimit(flagsOfThisProcess());
    this.detailMark = flagLimit === null ? HEAP_DETAIL_BYTES : Math.min(HEAP_DETAIL_BYTES, flagLimit / 2);
  }

  /** `hasNews`: something besides memory waits to go with the next sample (HTTP host counts). */
  start(intervalMs: number, send: (sample: SampleMessage) => void, hasNews: () => boolean = () => false): void {
    this.send = send;
    this.hasNews = hasNews;
    this.intervalMs = intervalMs;
    // The first sample soon, whatever the interval.
    this.schedule(Math.min(intervalMs, FIRST_SAMPLE_MS));
  }

  /** Reads at every tick, idle or not (the heap profiler's diagnostic mode needs every sample). */
  readEveryTick(): void {
    this.everyTick = true;
  }

  /** Back to the full rate at once: the process is busy again (a GC ran). */
  wake(): void {
    if (this.timer === null || this.idleTicks < IDLE_TICKS_BEFORE_SLOWING) return;
    this.idleTicks = 0;
    clearTimeout(this.timer);
    this.schedule(this.intervalMs);
  }

  private schedule(ms: number): void {
    this.due = Date.now() + ms;
    this.timer = setTimeout(() => this.onTimer(), ms);
    this.timer.unref();
  }

  private onTimer(): void {
    const now = Date.now();
    this.runtime.noteTimerDelay(now - this.due);
    // An error here would surface in the CLI's own process as an uncaught exception.
    try {
      this.idleTicks = this.tick(now, this.hasNews()) ? 0 : this.idleTicks + 1;
    } catch {
      this.stop();
      return;
    }
    if (this.timer === null) return; // stopped during the tick
    const slow = this.idleTicks >= IDLE_TICKS_BEFORE_SLOWING;
    this.schedule(slow ? Math.max(this.intervalMs, IDLE_INTERVAL_MS) : this.intervalMs);
  }

  /** Reads and sends unless the process was idle, or nothing changed, since the last sample sent. false: idle, not read. */
  private tick(now: number, news: boolean): boolean {
    const mustSend = news || this.lastSent === null || now - this.lastSent.t >= HEARTBEAT_MS;
    const read = mustSend || this.everyTick || this.processCpuUs() - this.cpuAfterTick >= IDLE_CPU_US;
    if (read) {
      const sample = this.sample();
      this.hooks.onRead?.(sample);
      if (mustSend || worthSending(sample, this.lastSent as SampleMessage)) this.sendNow(sample);
    }
    this.cpuAfterTick = this.processCpuUs();
    return read;
  }

  private sendNow(sample: SampleMessage): void {
    this.lastSent = sample;
    this.send(sample);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
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
    if (heap.oldUsed >= PRESSURE_FRACTION * heap.oldLimit) this.sendNow(this.sample());
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

function cpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Event-loop figures worth telling: a new window whose delay or utilization moved visibly. */
function loopMoved(now: LoopFigures | null, before: LoopFigures | null): boolean {
  if (now === before) return false;
  if (now === null || before === null) return true;
  return (
    Math.abs(now.max - before.max) >= 1 || Math.abs(now.mean - before.mean) >= 1 || Math.abs(now.utilization - before.utilization) >= 0.05
  );
}

/** Worth sending: a memory figure moved, GCs happened, or the event loop's figures are new. */
export function worthSending(sample: SampleMessage, last: SampleMessage): boolean {
  const moved = (a: number, b: number): boolean => Math.abs(a - b) >= CHANGE_BYTES;
  const { mem } = sample;
  return (
    sample.gc.length > 0 ||
    loopMoved(sample.loop, last.loop) ||
    (sample.heap !== null) !== (last.heap !== null) ||
    moved(mem.rss, last.mem.rss) ||
    moved(mem.hwm, last.mem.hwm) ||
    moved(mem.heapUsed, last.mem.heapUsed) ||
    moved(mem.heapTotal, last.mem.heapTotal) ||
    moved(mem.external, last.mem.external) ||
    moved(mem.arrayBuffers, last.mem.arrayBuffers)
  );
}
