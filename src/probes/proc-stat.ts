// /proc/<pid>/stat: parent pid and start time. The start time (clock ticks since boot) tells a
// reused pid apart from the process that had it before.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  startTicks: number;
}

export function parseProcStat(text: string): ProcStat | null {
  // comm may hold spaces and parentheses: it ends at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field 4 is ppid; field 22 is starttime.
  const stat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    startTicks: Number(rest[19]),
  };
  return Number.isFinite(stat.pid) && Number.isFinite(stat.ppid) ? stat : null;
}

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}
