// The session's checkpoint on disk: written whole to a temporary file, then renamed over the old
// one, so a reader never sees it torn. A full disk keeps the previous checkpoint.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ChannelReader } from '../channel/reader';
import { SESSION } from '../contracts/session-layout';
import { parseCheckpoint, type SessionCheckpoint } from '../session/checkpoint';
import type { Session } from '../session/session';
import { readPidFile } from './end-watch';
import type { SessionNotices } from './notices';

/** Why it was written: a periodic one, or the last words of a collector handing over. */
export type CheckpointReason = 'periodic' | 'handover';

export type CheckpointFile = SessionCheckpoint & { reason: CheckpointReason };

/**
 * When to write the periodic checkpoint. A killed collector costs the run the process-tree
 * samples since the last one (the agents' lines stay on disk until checkpointed): every 2 s while
 * the session changes (lines read, processes come or go, a new peak), every 10 s while it does
 * not, where each write's JSON and rename had been a third of an idle collector's CPU.
 */
export class CheckpointPacer {
  static readonly CHANGING_EVERY_MS = 2000;
  static readonly STEADY_EVERY_MS = 10_000;
  private last = Date.now();
  private lastMark: string | null = null;

  /** `mark` names the session's state: equal marks mean nothing a checkpoint holds has changed. */
  due(now: number, mark: string): boolean {
    const since = now - this.last;
    if (since < CheckpointPacer.CHANGING_EVERY_MS) return false;
    if (mark === this.lastMark && since < CheckpointPacer.STEADY_EVERY_MS) return false;
    this.last = now;
    this.lastMark = mark;
    return true;
  }
}

export function writeCheckpoint(sessionDir: string, checkpoint: CheckpointFile): boolean {
  const file = path.join(sessionDir, SESSION.checkpoint);
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(checkpoint), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}

export function readCheckpoint(sessionDir: string): CheckpointFile | null {
  try {
    const checkpoint = parseCheckpoint(readFileSync(path.join(sessionDir, SESSION.checkpoint), 'utf8')) as CheckpointFile | null;
    return checkpoint && (checkpoint.reason === 'handover' || checkpoint.reason === 'periodic') ? checkpoint : null;
  } catch {
    return null;
  }
}

/**
 * A session another collector served (it was killed, or handed over to this newer build) goes on
 * from its checkpoint; the agents' lines written since are still on disk. The owner file tells a
 * session that was another collector's from a new one.
 */
export function takeOver(sessionDir: string, session: Session, reader: ChannelReader, notices: SessionNotices): void {
  const checkpoint = readCheckpoint(sessionDir);
  if (checkpoint) {
    session.restore(checkpoint);
    reader.resume(checkpoint.channel);
  }
  const ownerFile = path.join(sessionDir, SESSION.owner);
  const previous = readPidFile(ownerFile);
  try {
    writeFileSync(ownerFile, String(process.pid));
  } catch {
    // A full disk: a later collector would take the session for new (its agents' lines are kept).
  }
  if (checkpoint === null && (previous === null || previous === process.pid)) return;
  if (!checkpoint) session.restarts += 1;
  if (checkpoint?.reason === 'handover') {
    notices.log(`qwen-otel: session ${session.options.id} handed over from collector ${previous} to ${process.pid}`);
    return;
  }
  notices.say(
    checkpoint
      ? `qwen-otel: this run's collector stopped; another took over from its checkpoint of ${Date.now() - checkpoint.at} ms before`
      : "qwen-otel: this run's collector stopped before its first checkpoint; another took over (process-tree samples before now are missing)",
  );
}
