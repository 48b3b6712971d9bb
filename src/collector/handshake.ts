// Telling a waiting `qwen-otel run` that its record is written. The wrapper made a FIFO before it
// wrote the exit code, and reads lines from it until `done` (or until its own timer, the exit
// bound, closes the other end). The lines before `done` are the notices it prints on stderr.
// A FIFO needs no disk blocks, so this works on a full disk too.
import { closeSync, constants, openSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { SESSION } from '../contracts/session-layout';

/** One write of at most PIPE_BUF (4096) bytes is atomic and never blocks half-way. */
const MAX_MESSAGE = 4000;
const RETRY_MS = 10;
/** The wrapper opens its end within microseconds of writing the exit code; past this it left. */
const GIVE_UP_MS = 3000;

export async function tellWrapper(sessionDir: string, lines: string[]): Promise<boolean> {
  try {
    writeFileSync(path.join(sessionDir, SESSION.recordDone), '');
  } catch {
    // A full disk: the FIFO still carries the news.
  }
  const message = fitMessage(lines);
  const fifo = path.join(sessionDir, SESSION.doneFifo);
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    const fd = openWriter(fifo);
    if (fd === 'absent') return false;
    if (fd !== 'not-yet') {
      try {
        writeSync(fd, message);
        return true;
      } catch {
        return false;
      } finally {
        closeSync(fd);
      }
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** Non-blocking: a FIFO with no reader yet answers ENXIO ("not yet"), a missing one ENOENT. */
function openWriter(fifo: string): number | 'absent' | 'not-yet' {
  try {
    return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENXIO' ? 'not-yet' : 'absent';
  }
}

function fitMessage(lines: string[]): string {
  let text = '';
  for (const [i, line] of lines.entries()) {
    const next = `${line.replace(/\n/g, ' ')}\n`;
    if (Buffer.byteLength(text + next) > MAX_MESSAGE - 80) {
      text += `qwen-otel: ${lines.length - i} more lines in the collector's log\n`;
      break;
    }
    text += next;
  }
  return `${text}done\n`;
}
