// A CLI that relaunches itself (Qwen Code 0.15.10: a parent that starts `node <the same script>`
// with a larger heap and only waits for it) has two processes with the same code loaded; the
// parent's heap says nothing about the run, and snapshotting it at exit only delays the end.
// The relaunched process tells its parent so, in the session directory.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SESSION } from '../contracts/session-layout';

/**
 * `inheritedMark` is the instrumented parent's pid as the environment carried it (null when the
 * parent was not instrumented). Writes `relaunched.<ppid>` when the parent runs our entry script.
 */
export function noteRelaunch(sessionDir: string, inheritedMark: string | undefined): void {
  if (inheritedMark !== String(process.ppid)) return;
  const entry = (globalThis as { Bun?: { main?: string } }).Bun?.main ?? process.argv[1];
  if (!entry) return;
  try {
    const parentArgs = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0').slice(1);
    if (!parentArgs.some((arg) => arg && path.resolve(arg) === path.resolve(entry))) return;
    writeFileSync(path.join(sessionDir, `${SESSION.relaunchedPrefix}${process.ppid}`), String(process.pid), { mode: 0o600 });
  } catch {
    // No /proc (not Linux) or no session directory any more: the parent then takes its snapshot.
  }
}
