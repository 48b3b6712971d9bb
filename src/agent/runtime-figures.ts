// Event-loop delay and garbage collections, gathered between two samples.
import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';
import type { LoopFigures } from '../channel/protocol';

/** The delay histogram's timer period: its samples include it, so it is subtracted. */
const RESOLUTION_MS = 20;
const GC_KINDS: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
/** More collections than this between two samples are counted in the last entry's kind only. */
const MAX_GC_PER_SAMPLE = 256;

/** Delay percentiles cost ~10 µs each, so they are read over windows of this length. */
const LOOP_WINDOW_MS = 1000;

export class RuntimeFigures {
  private readonly delay = tryMonitorDelay();
  private loop: LoopFigures | null = null;
  private windowStart = Date.now();
  private utilization: EventLoopUtilization | null = tryUtilization();
  private gcs: Array<[string, number]> = [];
  private readonly observer = this.observeGc();

  /** The figures of the last complete window (the first window reports at its end). */
  takeLoop(): LoopFigures | null {
    if (!this.delay || Date.now() - this.windowStart < LOOP_WINDOW_MS) return this.loop;
    this.windowStart = Date.now();
    const figures: LoopFigures = { mean: 0, p99: 0, max: 0, utilization: 0 };
    if (this.delay.count > 0) {
      figures.mean = delayMs(this.delay.mean);
      figures.p99 = delayMs(this.delay.percentile(99));
      figures.max = delayMs(this.delay.max);
    }
    this.delay.reset();
    if (this.utilization) {
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
    this.delay?.disable();
    this.observer?.disconnect();
  }

  private observeGc(): PerformanceObserver | null {
    try {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          if (this.gcs.length >= MAX_GC_PER_SAMPLE) break;
          const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
          this.gcs.push([GC_KINDS[kind] ?? 'other', round(entry.duration, 3)]);
        }
      });
      observer.observe({ entryTypes: ['gc'] });
      return observer;
    } catch {
      return null;
    }
  }
}

function tryMonitorDelay(): ReturnType<typeof monitorEventLoopDelay> | null {
  try {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    return histogram;
  } catch {
    return null;
  }
}

function tryUtilization(): EventLoopUtilization | null {
  try {
    return performance.eventLoopUtilization();
  } catch {
    return null;
  }
}

function delayMs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, round(ns / 1e6 - RESOLUTION_MS, 3)) : 0;
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
