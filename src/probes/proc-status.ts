// /proc/<pid>/status: name, parent, RSS and the kernel's RSS high-water mark (VmHWM).
import { readFileSync } from 'node:fs';

export interface ProcStatus {
  name: string;
  /** R, S, D, Z (zombie: exited, not yet reaped; it has no memory figures left), ... */
  state: string;
  ppid: number;
  rssBytes: number | null;
  hwmBytes: number | null;
  /**
   * Its threads. A copy between fork and exec has one, while the Node process it was forked from
   * has eleven or so: what tells a slow exec (a loaded machine) from a program of its own.
   */
  threads: number | null;
}

export function parseProcStatus(text: string): ProcStatus {
  return {
    name: field(text, 'Name') ?? '',
    state: (field(text, 'State') ?? '?').charAt(0),
    ppid: Number(field(text, 'PPid') ?? 0),
    rssBytes: kilobytes(field(text, 'VmRSS')),
    hwmBytes: kilobytes(field(text, 'VmHWM')),
    threads: count(field(text, 'Threads')),
  };
}

/** null when the process is gone (or /proc is not there). */
export function readProcStatus(pid: number | 'self'): ProcStatus | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return null;
  }
}

function field(text: string, key: string): string | null {
  const tag = `${key}:`;
  const at = text.startsWith(tag) ? 0 : text.indexOf(`\n${tag}`) + 1;
  if (at === 0 && !text.startsWith(tag)) return null;
  const end = text.indexOf('\n', at);
  return text.slice(at + tag.length, end === -1 ? undefined : end).trim();
}

function count(value: string | null): number | null {
  const n = value === null ? Number.NaN : parseInt(value, 10);
  return Number.isFinite(n) ? n : null;
}

function kilobytes(value: string | null): number | null {
  const n = count(value);
  return n === null ? null : n * 1024;
}
