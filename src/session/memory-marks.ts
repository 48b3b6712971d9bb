// What a tick of an unchanged tree can skip. A sample notes, per process, what it read: the
// status figures it uses (name, parent, state, RSS, high-water mark, threads) and the children
// the walk found. When a later tick reads the same from every process (its status and its
// main-thread children file), a sample would find exactly what the last one found: no RSS moved,
// no high-water mark rose (a spike between ticks that went back shows there), nothing exec'd,
// forked or ended. The sample itself reads nothing more for it.
import type { ProcStatus } from '../probes/proc-status';
import type { ProcReader } from './proc-reader';

export class MemoryMarks {
  private readonly kept = new Map<number, string>();
  private readonly statuses = new Map<number, string>();
  private readonly children = new Map<number, string>();

  constructor(private readonly reader: ProcReader) {}

  /** The walk read this process's main-thread children (the file a quiet tick reads again). */
  walked(pid: number, children: number[] | null): void {
    if (children) this.children.set(pid, children.join(' '));
  }

  /** The sample read this process's status. */
  sampled(pid: number, status: ProcStatus): void {
    this.statuses.set(pid, statusMark(status));
  }

  /** The sample is over: what it read of each process it kept is the mark the next ticks compare. */
  keep(live: Iterable<number>): void {
    this.kept.clear();
    for (const pid of live) {
      const status = this.statuses.get(pid);
      if (status !== undefined) this.kept.set(pid, `${status}|${this.children.get(pid) ?? ''}`);
    }
    this.statuses.clear();
    this.children.clear();
  }

  /** Whether every one of these processes reads as it did at the last sample (a process with no mark does not). */
  unchanged(pids: Iterable<number>): boolean {
    for (const pid of pids) {
      const mark = this.kept.get(pid);
      if (mark === undefined) return false;
      const status = this.reader.status(pid);
      const children = status && this.reader.children(pid, false);
      if (!status || !children || `${statusMark(status)}|${children.join(' ')}` !== mark) return false;
    }
    return true;
  }
}

function statusMark(s: ProcStatus): string {
  return `${s.name} ${s.ppid} ${s.state} ${s.rssBytes} ${s.hwmBytes} ${s.threads}`;
}
