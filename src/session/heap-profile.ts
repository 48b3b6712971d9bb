// The heap profiler's word for one process: the capture nearest its heap peak (the one taken at
// the highest heap in use), how many were taken, what they paused, and why one was skipped.
import type { HeapProfileMessage } from '../channel/protocol';
import type { HeapProfileFigures } from '../contracts/run-record';

export interface HeapProfileState {
  best: HeapProfileMessage | null;
  captures: number;
  failures: number;
  /** Each capture's pause (ms), in order; the agent takes at most ten per process. */
  pauses: number[];
  attributeMsMax: number;
  /** The first reason a capture was skipped or the profiler did not start. */
  skipped: string | null;
}

const MAX_PAUSES_KEPT = 64;

export function applyHeapProfile(state: HeapProfileState | null | undefined, m: HeapProfileMessage): HeapProfileState {
  const s = state ?? { best: null, captures: 0, failures: 0, pauses: [], attributeMsMax: 0, skipped: null };
  if (m.status === 'skipped') {
    s.skipped ??= String(m.reason ?? 'skipped').slice(0, 80);
    return s;
  }
  if (s.pauses.length < MAX_PAUSES_KEPT) s.pauses.push(m.pauseMs);
  s.attributeMsMax = Math.max(s.attributeMsMax, m.attributeMs);
  if (m.status === 'failed') {
    s.failures += 1;
    return s;
  }
  s.captures += 1;
  if (!s.best || m.heapUsed >= s.best.heapUsed) s.best = m;
  return s;
}

export function heapProfileFigures(s: HeapProfileState, start: number): HeapProfileFigures {
  const sorted = [...s.pauses].sort((a, b) => a - b);
  const best = s.best;
  return {
    captures: s.captures,
    failures: s.failures,
    skipped: s.skipped,
    pause_ms_median: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null,
    pause_ms_max: sorted.length ? sorted[sorted.length - 1] : null,
    attribute_ms_max: s.attributeMsMax,
    at_ms: best ? Math.round(best.t - start) : null,
    heap_used_bytes: best?.heapUsed ?? null,
    heap_used_after_bytes: best?.heapUsedAfter ?? null,
    sampled_bytes: best?.sampled ?? null,
    by_package_bytes: best?.byPackage ?? {},
    by_module_bytes: best?.byModule ?? {},
  };
}
