// The fallback when children files are missing: every process's parent, from /proc/*/stat.
// Its cost grows with the number of processes on the machine, so it is used only when needed.
import { readdirSync } from 'node:fs';
import { readProcStat } from './proc-stat';

export function scanParents(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (stat) parents.set(pid, stat.ppid);
  }
  return parents;
}
