// When the run is over. `qwen-otel run` says so (SIGUSR2 once the CLI has exited, its exit code in
// a file); a sidecar watches the root process disappear (or turn zombie).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const EXIT_CODE_FILE = 'exit.code';

/** One cheap syscall; a zombie still "exists" (the tree sampler tells those apart). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The exit code the wrapper wrote; 128 + n means the CLI died from signal n. */
export function readExitCode(sessionDir: string): number | null {
  // Asked every tick: a missing file must not cost a thrown error (stack capture, garbage).
  if (!existsSync(path.join(sessionDir, EXIT_CODE_FILE))) return null;
  try {
    const code = Number(readFileSync(path.join(sessionDir, EXIT_CODE_FILE), 'utf8').trim());
    return Number.isInteger(code) && code >= 0 && code <= 255 ? code : null;
  } catch {
    return null;
  }
}
