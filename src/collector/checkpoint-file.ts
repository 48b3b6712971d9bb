// The session's checkpoint on disk: written whole to a temporary file, then renamed over the old
// one, so a reader never sees it torn. A full disk keeps the previous checkpoint.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SESSION } from '../contracts/session-layout';
import { parseCheckpoint, type SessionCheckpoint } from '../session/checkpoint';

/** Why it was written: a periodic one, or the last words of a collector handing over. */
export type CheckpointReason = 'periodic' | 'handover';

export type CheckpointFile = SessionCheckpoint & { reason: CheckpointReason };

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
