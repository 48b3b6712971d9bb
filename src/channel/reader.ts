// The collector's end of the channel: reads what each process appended since the last poll,
// whole lines only, and deletes a segment once a newer one exists and the old one is read.
// Bounded whatever a file holds: a line is at most 64 KiB (the rest of a longer one is read past
// in 64 KiB chunks, never kept), a poll parses at most 2,000 lines (1 MiB) and reads at most
// 64 MiB, a line that is not a valid message is counted and skipped. Measured before: a
// 300 MB line without a newline grew the collector from 59 to 913 MiB in 4 s.
import { fstatSync, readSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentMessage } from './protocol';
import { parseMessage } from './schema';
import { SegmentList } from './segments';

/** The longest line taken: an agent's largest message (a final one with every heap space) is ~3 KB. */
export const MAX_LINE_BYTES = 64 * 1024;
/**
 * Unfinished lines kept across polls, all files of a session together: a line being written as
 * a poll reads is a few KB, but 1,024 files each ending in 60 KiB would otherwise hold 60 MiB.
 * Past it, the line that would overflow is read past and counted as too long.
 */
export const MAX_PARTIAL_BYTES = 1024 * 1024;
/**
 * Per poll and session: a live agent writes a few lines a second; the rest waits for the next
 * poll. 200,000 valid lines in one file took the collector's peak RSS to 134 MiB at 10,000 lines
 * a poll, to 101 MiB at 2,000 (measured, same build): a poll's messages outlive a scavenge.
 */
const POLL_LINES = 2_000;
const POLL_PARSE_BYTES = 1024 * 1024;
const POLL_BYTES = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;
const readBuffer = Buffer.allocUnsafe(CHUNK);

/** What the reader could not use, for the run record. */
export interface InputDrops {
  /** Lines that were not JSON, not a message we know, or held a figure of the wrong type or out of range. */
  lines: number;
  /** Lines longer than MAX_LINE_BYTES, read past. */
  longLines: number;
  /** Channel files not read: MAX_FILES were followed already. */
  files: number;
  /** Processes not followed: the session had MAX_PROCESSES already (counted by the session). */
  processes: number;
  /** Bytes still unread when the session ended (a writer faster than the per-poll bounds). */
  unreadBytes: number;
}

export function noDrops(): InputDrops {
  return { lines: 0, longLines: 0, files: 0, processes: 0, unreadBytes: 0 };
}

interface SegmentState {
  offset: number;
  /** Bytes after the last newline (at most MAX_LINE_BYTES); a newline byte never occurs inside a UTF-8 character. */
  partial: Buffer;
  /** Inside a line longer than MAX_LINE_BYTES: bytes are skipped up to its newline. */
  skipping: boolean;
}

/** [file, offset, unfinished line (base64), inside an overlong line]: how far a file was read. */
export type ChannelPosition = [string, number, string, boolean?];

export interface ReadResult {
  pid: number;
  messages: AgentMessage[];
}

interface Budget {
  lines: number;
  parseBytes: number;
  bytes: number;
}

export class ChannelReader {
  private readonly segments = new Map<string, SegmentState>();
  private readonly files: SegmentList;
  /** Read to their end, kept until the collector's next checkpoint holds what they said. */
  private readonly retirable = new Set<string>();
  /** The last poll stopped at a bound: more is waiting. */
  behind = false;
  /** Bytes of unfinished lines held, over every file. */
  private partialBytes = 0;

  /** `keepUntilCheckpoint`: segments read to their end are deleted by retireRead(), not at once. */
  constructor(
    private readonly dir: string,
    private readonly keepUntilCheckpoint = false,
    readonly drops: InputDrops = noDrops(),
  ) {
    this.files = new SegmentList(dir);
  }

  positions(): ChannelPosition[] {
    return [...this.segments].map(([file, s]) =>
      s.skipping ? [file, s.offset, '', true] : [file, s.offset, s.partial.toString('base64')],
    );
  }

  /** Continues where a checkpoint's reader stopped. */
  resume(positions: ChannelPosition[]): void {
    for (const [file, offset, partial, skipping] of positions) {
      const state: SegmentState = { offset, partial: Buffer.alloc(0), skipping: skipping === true };
      this.setPartial(state, Buffer.from(partial, 'base64'));
      this.segments.set(file, state);
      this.files.follow(file);
    }
  }

  /** Deletes the segments read to their end (their lines are in a checkpoint now). */
  retireRead(): void {
    for (const file of this.retirable) this.retire(file);
    this.retirable.clear();
  }

  /** Descriptors held open between polls. */
  get openFiles(): number {
    return this.files.openCount;
  }

  poll(): ReadResult[] {
    const byPid = new Map<number, AgentMessage[]>();
    const budget: Budget = { lines: POLL_LINES, parseBytes: POLL_PARSE_BYTES, bytes: POLL_BYTES };
    this.behind = false;
    for (const { file, hook, pid, newest } of this.files.list()) {
      if (this.behind) break;
      const messages: AgentMessage[] = [];
      const atEnd = this.readSegment(file, budget, messages);
      this.drops.files = this.files.refusedCount;
      if (!atEnd) this.behind = true;
      if (messages.length > 0) {
        const list = byPid.get(pid);
        if (list) list.push(...messages);
        else byPid.set(pid, messages);
      }
      // A hook process writes one line and exits: once its line is read the file is done.
      if (atEnd && (!newest || (hook && messages.length > 0))) {
        if (this.keepUntilCheckpoint) this.retirable.add(file);
        else this.retire(file);
      }
    }
    this.drops.files = this.files.refusedCount;
    return [...byPid].map(([pid, messages]) => ({ pid, messages }));
  }

  /** At the session's end: counts the bytes no poll got to (a writer faster than the bounds). */
  countUnread(): void {
    for (const [file, state] of this.segments) {
      const fd = this.files.fd(file);
      if (fd !== null) this.drops.unreadBytes += Math.max(0, fstatSync(fd).size - state.offset);
    }
  }

  /** Closes every descriptor (the session is over). */
  close(): void {
    this.files.closeAll();
    this.segments.clear();
    this.partialBytes = 0;
  }

  /** Reads the file from where it stopped; false when a bound stopped it before the end. */
  private readSegment(file: string, budget: Budget, out: AgentMessage[]): boolean {
    let state = this.segments.get(file);
    if (!state) {
      state = { offset: 0, partial: Buffer.alloc(0), skipping: false };
      this.segments.set(file, state);
    }
    const fd = this.files.fd(file);
    if (fd === null) return true;
    for (;;) {
      if (budget.bytes <= 0) return false;
      const n = readSync(fd, readBuffer, 0, CHUNK, state.offset);
      if (n <= 0) return true;
      budget.bytes -= n;
      const used = this.takeLines(state, readBuffer.subarray(0, n), budget, out);
      state.offset += used;
      if (used < n) return false;
    }
  }

  /** Takes the chunk's whole lines; returns how many of its bytes were used (fewer: the budget ran out). */
  private takeLines(state: SegmentState, chunk: Buffer, budget: Budget, out: AgentMessage[]): number {
    let pos = 0;
    while (pos < chunk.length) {
      const newline = chunk.indexOf(0x0a, pos);
      if (newline < 0) break;
      if (state.skipping) {
        state.skipping = false;
      } else if (state.partial.length + newline - pos > MAX_LINE_BYTES) {
        this.drops.longLines += 1;
      } else {
        if (budget.lines <= 0 || budget.parseBytes <= 0) return pos;
        const line = state.partial.length > 0 ? Buffer.concat([state.partial, chunk.subarray(pos, newline)]) : chunk.subarray(pos, newline);
        budget.lines -= 1;
        budget.parseBytes -= line.length;
        this.take(line, out);
      }
      this.setPartial(state, Buffer.alloc(0));
      pos = newline + 1;
    }
    if (state.skipping || pos === chunk.length) return chunk.length;
    const rest = chunk.length - pos;
    if (state.partial.length + rest > MAX_LINE_BYTES || this.partialBytes + rest > MAX_PARTIAL_BYTES) {
      this.drops.longLines += 1;
      state.skipping = true;
      this.setPartial(state, Buffer.alloc(0));
    } else {
      this.setPartial(state, Buffer.concat([state.partial, chunk.subarray(pos)]));
    }
    return chunk.length;
  }

  private setPartial(state: SegmentState, bytes: Buffer): void {
    this.partialBytes += bytes.length - state.partial.length;
    state.partial = bytes;
  }

  private take(line: Buffer, out: AgentMessage[]): void {
    if (line.length === 0) return;
    const message = parseMessage(line.toString('utf8'));
    if (message) out.push(message);
    else this.drops.lines += 1;
  }

  /** A writer only ever appends to its newest segment, so an older one read to its end is done. */
  private retire(file: string): void {
    this.files.forget(file);
    try {
      unlinkSync(path.join(this.dir, file));
    } catch {
      // Already gone.
    }
    const state = this.segments.get(file);
    if (state) this.setPartial(state, Buffer.alloc(0));
    this.segments.delete(file);
  }
}
