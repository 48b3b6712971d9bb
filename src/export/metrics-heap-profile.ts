// QWEN_OTEL_HEAP_PROFILE's metric: the live V8 heap by package at each process's highest
// capture, for its largest few packages only, so the series stay few whatever the CLI loads.
import type { LeanMeter as Meter } from './lean-meter';
import type { Session } from '../session/session';

/** Packages per process, and series in all (by role and package). */
export const PACKAGES_PER_PROCESS = 5;
export const MAX_SERIES = 30;

export function registerHeapProfileMetrics(meter: Meter, session: Session): void {
  meter
    .createObservableGauge('qwen_otel.v8.heap.by_package', {
      unit: 'By',
      description:
        "V8 heap in use by package at the highest heap-profile capture of the processes with this role (QWEN_OTEL_HEAP_PROFILE; each process's largest 5 packages)",
    })
    .addCallback((r) => {
      const sums = new Map<string, { role: string; pkg: string; bytes: number }>();
      for (const entry of session.processes()) {
        const best = entry.heapProfile?.best;
        if (!best) continue;
        const top = Object.entries(best.byPackage)
          .sort((a, b) => b[1] - a[1])
          .slice(0, PACKAGES_PER_PROCESS);
        for (const [pkg, bytes] of top) {
          const key = `${entry.role}\u0000${pkg}`;
          const prev = sums.get(key);
          if (prev) prev.bytes += bytes;
          else if (sums.size < MAX_SERIES) sums.set(key, { role: entry.role, pkg, bytes });
        }
      }
      for (const { role, pkg, bytes } of sums.values()) r.observe(bytes, { role, package: pkg });
    });
}
