// Where the collector's lines for a session go. The shared collector has no terminal of its own:
// - while the wrapper (`qwen-otel run`) still waits for the record, lines are kept and handed to
//   it with `done`, and the wrapper prints them on the CLI's stderr;
// - in preload mode they go to the root process's stderr when that is a terminal (a pipe would be
//   held open by us), else to the collector's log;
// - after the wrapper returned (a delivery that failed later) they go to the log and to the
//   pending file that the next `qwen-otel run` prints.
import { appendFileSync, closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { SessionMode } from '../contracts/session-layout';

export interface NoticeSinks {
  /** The collector's log (always written). */
  log(line: string): void;
  /** Lines the next run prints (after its own). */
  pending(line: string): void;
}

/** Lines handed to a waiting wrapper; more than this are summarised as one. */
const MAX_HANDED_LINES = 40;
const MAX_LINE = 1000;

export class SessionNotices {
  private handed: string[] = [];
  private handedOver = false;

  constructor(
    private readonly mode: SessionMode,
    private readonly rootPid: number,
    private readonly sinks: NoticeSinks,
  ) {}

  /** A line for the user, now if someone listens, else as soon as one does. */
  say(line: string): void {
    const text = line.slice(0, MAX_LINE);
    this.sinks.log(text);
    if (this.handedOver) this.sinks.pending(text);
    else if (this.mode === 'run') this.handed.push(text);
    else writeToTerminalOf(this.rootPid, text);
  }

  /** For the log only (progress the user need not see). */
  log(line: string): void {
    this.sinks.log(line.slice(0, MAX_LINE));
  }

  /** A line that matters after the run returned (a delivery given up): the next run prints it. */
  later(line: string): void {
    this.sinks.log(line);
    this.sinks.pending(line.slice(0, MAX_LINE));
  }

  /** The lines for the waiting wrapper; from now on lines go to the log and the pending file. */
  handOver(): string[] {
    this.handedOver = true;
    const lines =
      this.handed.length > MAX_HANDED_LINES
        ? [
            ...this.handed.slice(0, MAX_HANDED_LINES - 1),
            `qwen-otel: ${this.handed.length - MAX_HANDED_LINES + 1} more lines in the collector's log`,
          ]
        : this.handed;
    this.handed = [];
    return lines;
  }
}

/** Appends to a private file; a full disk loses the line (the caller has said it elsewhere). */
export function appendLine(file: string, line: string): void {
  try {
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
  } catch {
    // Nowhere left to say it.
  }
}

/** Writes to the process's stderr only when it is a terminal: never into a pipe or a file. */
function writeToTerminalOf(pid: number, line: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(`/proc/${pid}/fd/2`, 'a');
    if (fstatSync(fd).isCharacterDevice()) writeSync(fd, `${line}\n`);
  } catch {
    // The process is gone or its stderr is closed: the log has the line.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
