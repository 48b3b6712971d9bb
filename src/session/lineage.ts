// Where a newly seen process comes from, when the walk alone cannot tell: a fork copy before or
// just after its exec, or a process whose parent was never sampled.
import type { ProcReader } from './proc-reader';
import type { ProcessEntry } from './process-table';

type Live = ReadonlyMap<number, ProcessEntry>;

/** How far up an unsampled parent's line is followed to find a known process (see ancestorRole). */
const MAX_UNSEEN_ANCESTORS = 3;

/**
 * A fork copy that exec'd between our read of its status (still the parent's name and memory)
 * and of its command line (already the new program's): the status figures are the copy's, not
 * the program's. Qwen Code's `dash` showed 97 MiB for one sample that way.
 */
export function execedSince(reader: ProcReader, pid: number, name: string): boolean {
  const now = reader.status(pid);
  return now !== null && now.name !== name;
}

/**
 * A copy that has not exec'd after its first samples is a program of its own (Qwen Code 0.24.4
 * forks a worker with its parent's argv), unless it still has one thread while its parent has
 * more: only the thread that forked is copied, and a Node program has started its others before
 * any JavaScript runs. On a loaded machine a copy of Qwen's worker (~700 MiB) can stay unexec'd
 * past three 50 ms samples: counted, it was the worker's memory twice and a second "worker".
 */
export function stillForkCopy(entry: ProcessEntry, live: Live): boolean {
  const parentThreads = live.get(entry.parentPid)?.threads ?? 0;
  return entry.preExec && entry.threads === 1 && parentThreads > 1;
}

/**
 * The role of the nearest ancestor we know, for a process whose parent we never sampled: the
 * middle of a double fork (chromium starts chrome_crashpad_handler so) can be a zombie at its
 * first and only walk, and its child, already exec'd, would take no role from it (`other`).
 */
export function ancestorRole(reader: ProcReader, live: Live, ppid: number): ProcessEntry['role'] | null {
  let pid = ppid;
  for (let hops = 0; hops < MAX_UNSEEN_ANCESTORS; hops++) {
    const parentPid = reader.stat(pid)?.ppid;
    if (parentPid === undefined) return null;
    const known = live.get(parentPid);
    if (known) return known.role;
    pid = parentPid;
  }
  return null;
}
