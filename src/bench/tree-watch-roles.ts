// Roles for the independent tree watch, decided as the collector decides them (src/probes/roles.ts):
// the CLI is the first process below the root that is not one of qwen-otel's own.
// The role is kept per program (decided again after an exec).
import { realpathSync } from 'node:fs';
import type { ProcessRole } from '../config';
import { roleOfCommandLine } from '../session/process-identity';

/** A process of the watched tree, as the tree watch keeps it. */
export interface WatchedProcess {
  pid: number;
  ppid: number;
  name: string;
  argv: string[];
  hwm: number;
  firstSeen: number;
  /** Its threads at the last scan (absent: not read). */
  threads?: number;
  /** What the process is for (src/probes/roles.ts), decided once per program. */
  role?: string;
}

export function roleDecider(
  rootPid: number,
  seen: Map<number, WatchedProcess>,
  excluded: (p: WatchedProcess) => boolean,
): (p: WatchedProcess) => string {
  let cliPackageDir: string | null = null;
  const roleOf = (p: WatchedProcess, depth = 0): string => {
    if (p.role) return p.role;
    const parent = seen.get(p.ppid);
    const isRoot = p.pid === rootPid || onlyExcludedAbove(p);
    const parentRole = parent && !excluded(parent) && depth < 64 ? (roleOf(parent, depth + 1) as ProcessRole) : null;
    const decided = roleOfCommandLine(p.argv, p.name, { isRoot, parentRole, cliPackageDir }, realOrSame);
    if (isRoot) cliPackageDir = decided.packageDir;
    p.role = decided.role;
    return p.role;
  };
  /** Below the root through qwen-otel's own processes only (the wrapper and its subshells). */
  const onlyExcludedAbove = (p: WatchedProcess): boolean => {
    let cursor = seen.get(p.ppid);
    for (let depth = 0; cursor && depth < 64; depth += 1) {
      if (!excluded(cursor)) return false;
      if (cursor.pid === rootPid) return true;
      cursor = seen.get(cursor.ppid);
    }
    return false;
  };
  return (p) => roleOf(p);
}

function realOrSame(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
