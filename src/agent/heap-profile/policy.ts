// When to capture: at the process's heap high points, a bounded number of times. Each capture
// pauses the process (V8 collects garbage before it reports: 170-320 ms on a 55-114 MiB heap on
// a loaded 2-core machine, measured), so only a new high by a clear margin earns one.

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

export interface CaptureState {
  captures: number;
  /** Heap in use that triggered the last capture (0 before the first). */
  lastTrigger: number;
  stopped: boolean;
}

export type Decision = 'capture' | 'near-limit' | 'wait';

export function decide(state: CaptureState, heapUsed: number, oldUsed: number, oldLimit: number): Decision {
  if (state.stopped || state.captures >= MAX_CAPTURES) return 'wait';
  const threshold =
    state.captures === 0 ? FIRST_CAPTURE_BYTES : Math.max(state.lastTrigger * (1 + STEP_FRACTION), state.lastTrigger + STEP_BYTES);
  if (heapUsed < threshold) return 'wait';
  if (oldLimit > 0 && oldUsed >= NEAR_LIMIT_FRACTION * oldLimit) return 'near-limit';
  return 'capture';
}
