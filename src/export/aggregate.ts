// Per-role figures for the metrics: several processes can share a role (two MCP servers).
import type { ObservableResult } from './lean-meter';
import type { ProcessEntry } from '../session/process-table';

export type Combine = 'sum' | 'max';

export function observeByRole(
  result: ObservableResult,
  entries: Iterable<ProcessEntry>,
  value: (entry: ProcessEntry) => number | null | undefined,
  combine: Combine = 'sum',
): void {
  const byRole = new Map<string, number>();
  for (const entry of entries) {
    const v = value(entry);
    if (v === null || v === undefined) continue;
    const prev = byRole.get(entry.role);
    byRole.set(entry.role, prev === undefined ? v : combine === 'sum' ? prev + v : Math.max(prev, v));
  }
  for (const [role, v] of byRole) result.observe(v, { role });
}
