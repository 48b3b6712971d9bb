// When the run is over. `qwen-otel run` says so (SIGUSR2 once the CLI has exited, its exit code in
// a file); a sidecar watches the root process disappear (or turn zombie).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readProcStatus } from '../probes/proc-status';

export const EXIT_CODE_FILE = 'exit.code';

export function rootGone(pid: number): boolean {
  const status = readProcStatus(pid);
  if (status) return status.state === 'Z';
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The exit code the wrapper wrote; 128 + n means the CLI died from signal n. */
export function readExitCode(sessionDir: string): number | null {
  try {
    const code = Number(readFileSync(path.join(sessionDir, EXIT_CODE_FILE), 'utf8').trim());
    return Number.isInteger(code) && code >= 0 && code <= 255 ? code : null;
  } catch {
    return null;
  }
}
