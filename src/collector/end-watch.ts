// When a run is over: the wrapper (or the root agent) writes the exit code into the session
// directory; a root process that vanished (or turned zombie) ends it too.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { EXIT_FILE } from '../contracts/session-layout';

/** One cheap syscall; a zombie still "exists" (the tree sampler tells those apart). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The CLI's end as the wrapper (or the root agent) marked it: its exit code and when; or null. */
export function readExit(sessionDir: string): { code: number; at: number } | null {
  let names: string[];
  try {
    names = readdirSync(sessionDir);
  } catch {
    return null;
  }
  for (const name of names) {
    const code = Number(EXIT_FILE.exec(name)?.[1] ?? NaN);
    if (code >= 0 && code <= 255) return { code, at: fileTime(path.join(sessionDir, name)) ?? Date.now() };
  }
  return null;
}

/**
 * When a tick lists the session directory for the exit file. inotify pokes the runner when it
 * appears, so a watched directory is listed every 5 s only, in case an event was lost: listed at
 * every tick, it was the largest part of an idle collector's work (~4 of ~30 ms per 20 s in JS).
 */
export class ExitListingPacer {
  private watched = false;
  private last = 0;

  watching(watched: boolean): void {
    this.watched = watched;
  }

  due(now: number): boolean {
    if (this.watched && now - this.last < EXIT_LISTING_WATCHED_MS) return false;
    this.last = now;
    return true;
  }
}

const EXIT_LISTING_WATCHED_MS = 5000;

export function readPidFile(file: string): number | null {
  return readNumberFile(file, 1, 2 ** 22);
}

/** A whole number in a small file, or null (missing, being written, or not a number). */
function readNumberFile(file: string, min: number, max: number): number | null {
  // Asked every tick: a missing file must not cost a thrown error (stack capture, garbage).
  if (!existsSync(file)) return null;
  try {
    const text = readFileSync(file, 'utf8').trim();
    const n = Number(text);
    return text !== '' && Number.isInteger(n) && n >= min && n <= max ? n : null;
  } catch {
    return null;
  }
}

/** A file's modification time (ms since the epoch), or null. */
export function fileTime(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}
