// /proc/<pid>/cmdline: used only to tell a process's role. It can hold a prompt or a path from
// the user's repository, so it is never exported, logged or kept.
import { readFileSync } from 'node:fs';

export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((arg) => arg.length > 0);
}

export function readCmdline(pid: number): string[] | null {
  try {
    return parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return null;
  }
}
