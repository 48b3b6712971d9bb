// The collector's end of the channel: reads what each process appended since the last poll,
// whole lines only, and deletes a segment once a newer one exists and the old one is read.
import { closeSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { type AgentMessage, parseMessage } from './protocol';

/** p<pid>: an instrumented process's channel; h<pid>: a hook process's lines. */
const SEGMENT = /^(([ph])(\d+))\.(\d+)\.jsonl$/;
const CHUNK = 64 * 1024;
const readBuffer = Buffer.allocUnsafe(CHUNK);

interface SegmentState {
  /** Kept open between polls; closed when the segment is retired. */
  fd: number | null;
  offset: number;
  /** Bytes after the last newline; a newline byte never occurs inside a UTF-8 character. */
  partial: Buffer;
}

export interface ReadResult {
  pid: number;
  messages: AgentMessage[];
}

export class ChannelReader {
  private readonly segments = new Map<string, SegmentState>();
  /** Read to their end, kept until the collector's next checkpoint holds what they said. */
  private readonly retirable = new Set<string>();
  /** Lines that were not messages: counted, never fatal. */
  malformed = 0;

  /** `keepUntilCheckpoint`: segments read to their end are deleted by retireRead(), not at once. */
  constructor(
    private readonly dir: string,
    private readonly keepUntilCheckpoint = false,
  ) {}

  /** How far each file was read, for a checkpoint: [file, offset, unfinished line (base64)]. */
  positions(): Array<[string, number, string]> {
    return [...this.segments].map(([file, state]) => [file, state.offset, state.partial.toString('base64')]);
  }

  /** Continues where a checkpoint's reader stopped. */
  resume(positions: Array<[string, number, string]>): void {
    for (const [file, offset, partial] of positions) this.segments.set(file, { fd: null, offset, partial: Buffer.from(partial, 'base64') });
  }

  /** Deletes the segments read to their end (their lines are in a checkpoint now). */
  retireRead(): void {
    for (const file of this.retirable) this.retire(file);
    this.retirable.clear();
  }

  poll(): ReadResult[] {
    const byPid = new Map<number, AgentMessage[]>();
    for (const { file, hook, pid, newest } of this.listSegments()) {
      const messages = this.readSegment(file);
      if (messages.length > 0) {
        const list = byPid.get(pid);
        if (list) list.push(...messages);
        else byPid.set(pid, messages);
      }
      // A hook process writes one line and exits: once its line is read the file is done.
      if (!newest || (hook && messages.length > 0)) {
        if (this.keepUntilCheckpoint) this.retirable.add(file);
        else this.retire(file);
      }
    }
    return [...byPid].map(([pid, messages]) => ({ pid, messages }));
  }

  private listSegments(): Array<{ file: string; hook: boolean; pid: number; newest: boolean }> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    // Hook lines first: a hook's process ran its line before the CLI went on, so in one poll its
    // event comes before anything the CLI wrote after it (the next model request, say).
    const parsed = names
      .map((name) => SEGMENT.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: m[0], stream: m[1] as string, hook: m[2] === 'h', pid: Number(m[3]), segment: Number(m[4]) }))
      .sort((a, b) => Number(b.hook) - Number(a.hook) || a.pid - b.pid || a.segment - b.segment);
    const newestOf = new Map<string, number>();
    for (const s of parsed) newestOf.set(s.stream, s.segment);
    return parsed.map((s) => ({ ...s, newest: newestOf.get(s.stream) === s.segment }));
  }

  private readSegment(file: string): AgentMessage[] {
    let state = this.segments.get(file);
    if (!state) {
      state = { fd: null, offset: 0, partial: Buffer.alloc(0) };
      this.segments.set(file, state);
    }
    try {
      state.fd ??= openSync(path.join(this.dir, file), 'r');
    } catch {
      return [];
    }
    const chunks: Buffer[] = [state.partial];
    for (;;) {
      const n = readSync(state.fd, readBuffer, 0, CHUNK, state.offset);
      if (n <= 0) break;
      state.offset += n;
      chunks.push(Buffer.from(readBuffer.subarray(0, n)));
      if (n < CHUNK) break;
    }
    return chunks.length === 1 ? [] : this.splitLines(state, Buffer.concat(chunks));
  }

  /** Closes every descriptor (the session is over). */
  close(): void {
    for (const state of this.segments.values()) if (state.fd !== null) closeSync(state.fd);
    this.segments.clear();
  }

  private splitLines(state: SegmentState, bytes: Buffer): AgentMessage[] {
    const end = bytes.lastIndexOf(0x0a);
    state.partial = Buffer.from(bytes.subarray(end + 1));
    if (end < 0) return [];
    const messages: AgentMessage[] = [];
    for (const line of bytes.toString('utf8', 0, end).split('\n')) {
      if (line === '') continue;
      const message = parseMessage(line);
      if (message) messages.push(message);
      else this.malformed += 1;
    }
    return messages;
  }

  /** A writer only ever appends to its newest segment, so an older one read to its end is done. */
  private retire(file: string): void {
    const fd = this.segments.get(file)?.fd;
    if (fd !== undefined && fd !== null) closeSync(fd);
    try {
      unlinkSync(path.join(this.dir, file));
    } catch {
      // Already gone.
    }
    this.segments.delete(file);
  }
}
