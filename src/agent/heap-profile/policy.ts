// When to capture: at the process's heap high points, a bounded number of times. Each capture
// pauses the process (V8 collects garbage before it reports: 170-320 ms on a 55-114 MiB heap on
// a loaded 2-core machine, measured), so only a new high by a clear margin earns one. And it is
// taken once the high point has passed: right after V8's own full collection, or once the heap
// stopped rising. A capture forced at an arbitrary moment of a rising heap moves V8's next
// collection: in Qwen Code 0.15.10's worker one at 172 MiB (111 MiB live) let the heap run to
// 457 MiB before V8 marked again, and that marking cost 597 ms on the main thread and ~1.2 s on
// V8's helper threads, against 123 ms at 256 MiB without the profiler (--trace-gc, load ~4).

/** No capture below this much V8 heap in use: a small heap has nothing to explain. */
export const FIRST_CAPTURE_BYTES = 64 * 1024 * 1024;
/**
 * A new high must pass the last capture's by this fraction and this many bytes: 64, 128, 192,
 * 288, 432, 648 MiB... A capture of Qwen Code 0.15.10's worker at 634 MiB paused it 3.1 s (load
 * ~9 on 2 cores), so steps are coarse.
 */
export const STEP_FRACTION = 0.5;
export const STEP_BYTES = 64 * 1024 * 1024;
/** Captures per process at most: eight steps reach ~1.4 GiB. */
export const MAX_CAPTURES = 8;
/** A capture that paused the process longer than this ends the captures of that process. */
export const MAX_PAUSE_MS = 2000;
/**
 * No capture once the old generation passes this share of its limit: the forced GC and the
 * profile's tree need room, and the out-of-memory mark (80 %) is written at the next sample.
 */
export const NEAR_LIMIT_FRACTION = 0.7;
/** Samples in a row with no new high after which the high point has passed (1 s at the default 500 ms). */
export const SETTLE_SAMPLES = 2;
/**
 * A rise smaller than this fraction of the high is not a new high: Qwen Code 0.15.10's relaunch
 * parent creeps from 84 to 113 MiB a little at each sample and never collects, so without it
 * the parent was never captured.
 */
export const SETTLE_MARGIN = 0.05;

export interface CaptureState {
  captures: number;
  /** The high point the last capture stood for (0 before the first). */
  lastTrigger: number;
  stopped: boolean;
  /** The highest heap in use since the last capture, and the samples since it was raised. */
  high: number;
  samplesSinceHigh: number;
}

export type Decision = 'capture' | 'near-limit' | 'wait';

export function newCaptureState(): CaptureState {
  return { captures: 0, lastTrigger: 0, stopped: false, high: 0, samplesSinceHigh: 0 };
}

/**
 * Notes one sample's heap in use and decides. `collected`: V8 finished a full collection of its
 * own since the last sample (the capture's forced one then finds what V8 just found live, and
 * V8's next collection stays where V8 put it).
 */
export function decide(state: CaptureState, heapUsed: number, oldUsed: number, oldLimit: number, collected: boolean): Decision {
  if (state.stopped || state.captures >= MAX_CAPTURES) return 'wait';
  if (heapUsed > state.high * (1 + SETTLE_MARGIN)) {
    state.samplesSinceHigh = 0;
  } else {
    state.samplesSinceHigh += 1;
  }
  state.high = Math.max(state.high, heapUsed);
  const last = state.lastTrigger;
  const threshold = state.captures === 0 ? FIRST_CAPTURE_BYTES : Math.max(last * (1 + STEP_FRACTION), last + STEP_BYTES);
  if (state.high < threshold) return 'wait';
  if (oldLimit > 0 && oldUsed >= NEAR_LIMIT_FRACTION * oldLimit) return 'near-limit';
  return collected || state.samplesSinceHigh >= SETTLE_SAMPLES ? 'capture' : 'wait';
}

/** After a capture: the next high is counted from here. */
export function noteCapture(state: CaptureState): void {
  state.captures += 1;
  state.lastTrigger = state.high;
  state.high = 0;
  state.samplesSinceHigh = 0;
}

/**
 * At exit: the heap passed the first capture's mark and no capture was taken (the process ended
 * before its heap settled: Claude Code 2.1.112's one process rose to 72-78 MiB in a 2-3 s run
 * and was never captured).
 */
export function uncapturedHigh(state: CaptureState): boolean {
  return !state.stopped && state.captures === 0 && state.high >= FIRST_CAPTURE_BYTES;
}
