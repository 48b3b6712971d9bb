// Which channel files of a session directory the reader follows, and their descriptors: both
// bounded, whatever lands in the directory. Measured before these bounds: 5,000 files written into
// a session directory kept 5,026 descriptors open in the collector and made 5,000 processes.
import { closeSync, type Dir, existsSync, opendirSync, openSync } from 'node:fs';
import * as path from 'node:path';
import { CHANNEL_FILE } from '../contracts/session-layout';

/** Channel files followed at once per session: a real run has one per live process (two when one rolls). */
export const MAX_FILES = 1024;
/** Descriptors kept open between polls per session; files past them are opened for each read. */
export const MAX_OPEN_FILES = 64;
/** Directory entries looked at per poll: a session directory holds a few dozen. */
const MAX_DIR_ENTRIES = 16 * 1024;
/** Linux's largest pid_max: a file named with a larger pid is no process's. */
const MAX_PID = 2 ** 22;
/** Names of refused files remembered (so each is counted once): ~5 MiB at most. */
const MAX_REFUSED_NAMES = 64 * 1024;

export interface Segment {
  file: string;
  hook: boolean;
  pid: number;
  /** The newest segment of its stream: its writer may still append. */
  newest: boolean;
}

export class SegmentList {
  /** Files followed: those read so far, in the order they were first seen. */
  private readonly followed = new Set<string>();
  private readonly refused = new Set<string>();
  /** Open descriptors, least recently used first. */
  private readonly open = new Map<string, number>();
  /** Files refused because MAX_FILES were followed already, or named with an impossible pid (each counted once). */
  refusedCount = 0;

  constructor(private readonly dir: string) {}

  /** Hook lines first (a hook ran before the CLI went on), then by pid and segment. */
  list(): Segment[] {
    type Found = Segment & { stream: string; segment: number };
    const found: Found[] = [];
    const fresh: Found[] = [];
    let dir: Dir;
    try {
      dir = opendirSync(this.dir);
    } catch {
      return [];
    }
    try {
      for (let seen = 0; seen < MAX_DIR_ENTRIES; seen += 1) {
        const entry = dir.readSync();
        if (entry === null) break;
        const m = CHANNEL_FILE.exec(entry.name);
        if (!m || this.refused.has(entry.name)) continue;
        const segment = {
          file: entry.name,
          stream: m[1] as string,
          hook: m[2] === 'h',
          pid: Number(m[3]),
          segment: Number(m[4]),
          newest: false,
        };
        (this.followed.has(entry.name) ? found : fresh).push(segment);
      }
    } finally {
      dir.closeSync();
    }
    // More new files than room: those of processes alive now first, so a flood of files cannot
    // crowd out a real agent's.
    if (fresh.length > MAX_FILES - this.followed.size) fresh.sort((a, b) => Number(alive(b.pid)) - Number(alive(a.pid)));
    for (const s of fresh) if (this.admit(s.file, s.pid)) found.push(s);
    found.sort((a, b) => Number(b.hook) - Number(a.hook) || a.pid - b.pid || a.segment - b.segment);
    const newestOf = new Map<string, number>();
    for (const s of found) newestOf.set(s.stream, s.segment);
    return found.map(({ file, hook, pid, stream, segment }) => ({ file, hook, pid, newest: newestOf.get(stream) === segment }));
  }

  /** Continues following a file a checkpoint had. */
  follow(file: string): void {
    this.followed.add(file);
  }

  /** A descriptor for the file, or null when it cannot be opened (deleted, say). */
  fd(file: string): number | null {
    let fd = this.open.get(file);
    if (fd !== undefined) {
      this.open.delete(file);
    } else {
      try {
        fd = openSync(path.join(this.dir, file), 'r');
      } catch {
        return null;
      }
    }
    this.open.set(file, fd);
    for (const [oldest, oldFd] of this.open) {
      if (this.open.size <= MAX_OPEN_FILES) break;
      closeSync(oldFd);
      this.open.delete(oldest);
    }
    return fd;
  }

  /** Stops following a file (it was deleted). */
  forget(file: string): void {
    this.closeFd(file);
    this.followed.delete(file);
  }

  closeAll(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }

  get openCount(): number {
    return this.open.size;
  }

  private closeFd(file: string): void {
    const fd = this.open.get(file);
    if (fd !== undefined) closeSync(fd);
    this.open.delete(file);
  }

  private admit(file: string, pid: number): boolean {
    if (this.followed.size < MAX_FILES && pid <= MAX_PID) {
      this.followed.add(file);
      return true;
    }
    // Past the remembered names a refused file may be counted again: the count is then a bound from above.
    if (this.refused.size < MAX_REFUSED_NAMES) this.refused.add(file);
    this.refusedCount += 1;
    return false;
  }
}

function alive(pid: number): boolean {
  return pid <= MAX_PID && existsSync(`/proc/${pid}`);
}
