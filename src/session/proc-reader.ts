// The collector's view of /proc, behind an interface so the tree logic is tested on fixtures.
import { readlinkSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readCmdline } from '../probes/cmdline';
import { childrenFilesSupported, parseChildren, readChildren } from '../probes/proc-children';
import { OpenProcessFiles } from '../probes/proc-file';
import { scanParents } from '../probes/proc-scan';
import { type ProcStat, readProcStat } from '../probes/proc-stat';
import { parseProcStatus, type ProcStatus } from '../probes/proc-status';
import { parseSmapsRollup, type SmapsRollup } from '../probes/smaps-rollup';

export interface ProcReader {
  /** Children forked by the main thread only, or by every thread. null when the process is gone. */
  children(pid: number, allThreads: boolean): number[] | null;
  status(pid: number): ProcStatus | null;
  stat(pid: number): ProcStat | null;
  cmdline(pid: number): string[] | null;
  realpath(file: string): string;
  /** The process's executable and working directory (null when unreadable). */
  exe(pid: number): string | null;
  cwd(pid: number): string | null;
  /** Shared pages split among their mappers (costly: see session/pss.ts); absent where unsupported. */
  /** Read off the event loop (libuv's pool): the kernel's page-table walk takes 59-438 ms of wall time under load. */
  smapsRollup?(pid: number): Promise<SmapsRollup | null> | SmapsRollup | null;
  /** Releases what was kept open for a process that ended. */
  forget(pid: number): void;
  /** false where children files are missing: the tree then comes from a scan of every process. */
  readonly childrenSupported: boolean;
  parents(): Map<number, number>;
}

/** Keeps each live process's status and children files open: the tree is read every tick. */
export function createLinuxProcReader(): ProcReader {
  const open = new OpenProcessFiles();
  const forget = (pid: number): void => open.forget(pid);
  /** A failed read means the process is gone: the pid may come back as another process. */
  const readOr = (pid: number, which: 'status' | 'children'): string | null => {
    const text = open.of(pid)[which].read();
    if (text === null) forget(pid);
    return text;
  };
  return {
    children: (pid, allThreads) => {
      if (allThreads) return readChildren(pid);
      const text = readOr(pid, 'children');
      return text === null ? null : parseChildren(text);
    },
    status: (pid) => {
      const text = readOr(pid, 'status');
      return text === null ? null : parseProcStatus(text);
    },
    stat: readProcStat,
    cmdline: readCmdline,
    realpath: (file) => {
      try {
        return realpathSync(file);
      } catch {
        return file;
      }
    },
    exe: (pid) => readLink(`/proc/${pid}/exe`),
    // Read rarely, so opened each time (a kept descriptor per process would serve one read in twenty samples).
    smapsRollup: (pid) =>
      readFile(`/proc/${pid}/smaps_rollup`, 'latin1').then(
        (text) => parseSmapsRollup(text),
        () => null,
      ),
    cwd: (pid) => readLink(`/proc/${pid}/cwd`),
    forget,
    childrenSupported: childrenFilesSupported(),
    parents: scanParents,
  };
}

function readLink(file: string): string | null {
  try {
    return readlinkSync(file);
  } catch {
    return null;
  }
}
