// What a tick of an unchanged tree can skip: each followed process's memoryMark (its stat line and
// main-thread children, see ProcReader) is kept from before the walk that sampled it; when every
// process still has the same one, no page was faulted in (so no high-water mark rose), no RSS
// moved and no child forked from a main thread.
import type { ProcReader } from './proc-reader';

export class MemoryMarks {
  private readonly kept = new Map<number, string>();

  constructor(private readonly reader: ProcReader) {}

  get supported(): boolean {
    return this.reader.memoryMark !== undefined;
  }

  /** Read just before a walk: a change after this read shows in the next mark. */
  readBefore(pids: Iterable<number>): Map<number, string> {
    const marks = new Map<number, string>();
    for (const pid of pids) {
      const mark = this.reader.memoryMark?.(pid) ?? null;
      if (mark !== null) marks.set(pid, mark);
    }
    return marks;
  }

  /** After the walk: the marks of the processes it sampled (a newcomer has none until the next). */
  keep(read: Map<number, string>, sampled: Set<number>): void {
    this.kept.clear();
    for (const [pid, mark] of read) if (sampled.has(pid)) this.kept.set(pid, mark);
  }

  unchanged(pids: Iterable<number>): boolean {
    for (const pid of pids) {
      const mark = this.kept.get(pid);
      if (mark === undefined || this.reader.memoryMark?.(pid) !== mark) return false;
    }
    return true;
  }
}
