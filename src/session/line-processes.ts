// Processes made known by their lines alone (the tree walk finds the others in /proc) are
// bounded: past MAX_PROCESSES_FROM_LINES a new pid's lines are dropped and the process counted.
// Measured before the bound: 5,000 files written into a session directory made 5,000 processes.
import type { InputDrops } from '../channel/reader';

export const MAX_PROCESSES_FROM_LINES = 1024;
/** Pids of refused processes remembered, so each is counted once. */
const MAX_REFUSED_PIDS = 64 * 1024;

export class LineProcesses {
  /** Admitted so far (kept in the checkpoint). */
  count = 0;
  private readonly refused = new Set<number>();

  constructor(private readonly drops: InputDrops) {}

  /** Whether a new process may be made from this pid's lines; counts it once when not. */
  admit(pid: number): boolean {
    if (this.count < MAX_PROCESSES_FROM_LINES) {
      this.count += 1;
      return true;
    }
    if (!this.refused.has(pid)) {
      this.drops.processes += 1;
      if (this.refused.size < MAX_REFUSED_PIDS) this.refused.add(pid);
    }
    return false;
  }
}
