// The per-user state directory: where the shared collector, the live sessions and the spool live.
// Never a predictable path that someone else could have prepared: every candidate must be a real
// directory (not a symlink), owned by this user, mode 0700 (tightened when it is ours and looser).
// bin/qwen-otel resolves the same candidates in the same order.
import { chmodSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { ENV, STATE } from './session-layout';

type Env = Record<string, string | undefined>;

/** In order of preference; the first usable one is the state directory. */
export function stateDirCandidates(env: Env, uid = currentUid()): string[] {
  const own = env[ENV.stateDir];
  if (own) return [path.resolve(own)];
  const candidates: string[] = [];
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) candidates.push(path.join(env.XDG_RUNTIME_DIR, 'qwen-otel'));
  if (env.HOME && path.isAbsolute(env.HOME)) candidates.push(path.join(env.HOME, '.qwen-otel', 'run'));
  candidates.push(path.join(env.TMPDIR && path.isAbsolute(env.TMPDIR) ? env.TMPDIR : '/tmp', `qwen-otel-${uid}`));
  return candidates;
}

export interface StateDir {
  dir: string;
  sessions: string;
}

/** The first candidate that is (or can be made) private to this user, with its sessions folder. */
export function resolveStateDir(env: Env): { state: StateDir | null; problems: string[] } {
  const problems: string[] = [];
  for (const dir of stateDirCandidates(env)) {
    const problem = ensurePrivateDir(dir) ?? ensurePrivateDir(path.join(dir, STATE.sessions));
    if (problem === null) return { state: { dir, sessions: path.join(dir, STATE.sessions) }, problems };
    problems.push(`${dir}: ${problem}`);
  }
  return { state: null, problems };
}

/**
 * mkdir -p with modes, one level at a time: a recursive mkdirSync reports ENOENT on a read-only
 * file system (Node 20), where the user needs to read "read-only file system".
 */
export function makeDirs(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Creates the directory (0700) when missing; null when it is private to us, else why not. */
export function ensurePrivateDir(dir: string): string | null {
  try {
    makeDirs(dir);
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) return 'is a symbolic link';
    if (!stat.isDirectory()) return 'is not a directory';
    const uid = currentUid();
    if (uid >= 0 && stat.uid !== uid) return `is owned by uid ${stat.uid}, not ${uid}`;
    if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return null;
  } catch (error) {
    return describeFsError(error);
  }
}

/** An errno in words a user can act on ("read-only file system", not ENOENT from a later step). */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a parent is not a directory',
    ELOOP: 'too many symbolic links',
  };
  return (e.code && words[e.code]) ?? e.message ?? String(error);
}

function currentUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}
