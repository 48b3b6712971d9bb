// Event-loop delay and garbage collections, gathered between two samples.
// The delay comes from the sampling timer itself (how late it fires), not from
// monitorEventLoopDelay: that histogram's own 20 ms timer cost an idle CLI ~4 ms of CPU a second
// (measured), eight times the whole budget. The resolution is therefore the sample interval.
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { LoopFigures } from '../channel/protocol';

const GC_KINDS: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
/** More collections than this between two samples are dropped (the counts stay right in spirit). */
const MAX_GC_PER_SAMPLE = 256;
/** Delay figures summarise windows of this length. */
const LOOP_WINDOW_MS = 1000;

/** Loaded with the first sample, not with the preload (see readV8Heap). */
const perfHooks = (): typeof import('node:perf_hooks') => require('node:perf_hooks') as typeof import('node:perf_hooks');

export class RuntimeFigures {
  private utilization: EventLoopUtilization | null = null;
  private loop: LoopFigures | null = null;
  private delays: number[] = [];
  private windowStart = Date.now();
  private gcs: Array<[string, number]> = [];
  private observer: InstanceType<typeof import('node:perf_hooks').PerformanceObserver> | null = null;

  /** `afterMajorGc` runs after each full collection: near the heap limit they come back to back. */
  /** `afterGc` runs after any collection: the process is busy. */
  constructor(
    private readonly afterMajorGc: () => void = () => undefined,
    private readonly afterGc: () => void = () => undefined,
  ) {}

  /**
   * Starts GC figures and event-loop utilization: they need node:perf_hooks (+0.5 MiB of VmHWM
   * in a small process, measured), so the sampler asks for them with V8's heap detail.
   */
  watch(): void {
    if (this.observer || this.utilization) return;
    this.utilization = tryUtilization();
    this.observer = this.observeGc();
  }

  get watching(): boolean {
    return this.observer !== null || this.utilization !== null;
  }

  /** How late the sampling timer fired, in ms: the event loop was busy that long. */
  noteTimerDelay(ms: number): void {
    this.delays.push(Math.max(0, ms));
  }

  /** The figures of the last complete window (null until the first one closes). */
  takeLoop(): LoopFigures | null {
    if (Date.now() - this.windowStart < LOOP_WINDOW_MS || this.delays.length === 0) return this.loop;
    this.windowStart = Date.now();
    const sorted = this.delays.sort((a, b) => a - b);
    this.delays = [];
    const figures: LoopFigures = {
      mean: round(sorted.reduce((sum, d) => sum + d, 0) / sorted.length, 3),
      p99: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))], 3),
      max: round(sorted[sorted.length - 1], 3),
      utilization: 0,
    };
    if (this.utilization) {
      const { performance } = perfHooks();
      const now = performance.eventLoopUtilization();
      figures.utilization = round(performance.eventLoopUtilization(now, this.utilization).utilization, 4);
      this.utilization = now;
    }
    this.loop = figures;
    return figures;
  }

  takeGc(): Array<[string, number]> {
    const taken = this.gcs;
    this.gcs = [];
    return taken;
  }

  stop(): void {
    this.observer?.disconnect();
  }

  private observeGc(): InstanceType<typeof import('node:perf_hooks').PerformanceObserver> | null {
    try {
      const observer = new (perfHooks().PerformanceObserver)((list) => {
        try {
          let major = false;
          for (const entry of list.getEntries()) {
            const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
            major ||= GC_KINDS[kind] === 'major';
            if (this.gcs.length < MAX_GC_PER_SAMPLE) this.gcs.push([GC_KINDS[kind] ?? 'other', round(entry.duration, 3)]);
          }
          this.afterGc();
          if (major) this.afterMajorGc();
        } catch {
          // A runtime without GC entries (Bun): no GC figures.
        }
      });
      observer.observe({ entryTypes: ['gc'] });
      return observer;
    } catch {
      return null;
    }
  }
}

function tryUtilization(): EventLoopUtilization | null {
  try {
    return perfHooks().performance.eventLoopUtilization();
  } catch {
    return null;
  }
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
