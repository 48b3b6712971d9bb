/**
 * Server-sent events read from bytes as they arrive: lines split at LF (a CR before it dropped;
 * a lone CR as line end is not supported, no model API sends one), `event:` and `data:` fields,
 * an event dispatched at each blank line. Only the unfinished line and the current event's data
 * are held, each up to a cap; a larger one is counted but its text dropped.
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

const decoder = new TextDecoder();

function withoutCR(line: Uint8Array): Uint8Array {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

/** Bytes held across chunks, up to a cap; past it they are dropped and `overflowed` is set. */
export class BoundedBytes {
  overflowed = false;
  private pieces: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  get empty(): boolean {
    return this.size === 0 && !this.overflowed;
  }

  add(piece: Uint8Array): void {
    if (this.overflowed || piece.length === 0) return;
    if (this.size + piece.length > this.maxBytes) {
      this.overflowed = true;
      this.pieces = [];
      this.size = 0;
      return;
    }
    // A copy: the caller's chunk may be reused once its push returns.
    this.pieces.push(piece.slice());
    this.size += piece.length;
  }

  /** Everything held, joined (null when it overflowed), and a fresh start. */
  take(): Uint8Array | null {
    const bytes = this.overflowed ? null : this.joined();
    this.pieces = [];
    this.size = 0;
    this.overflowed = false;
    return bytes;
  }

  private joined(): Uint8Array {
    if (this.pieces.length === 1) return this.pieces[0]!;
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const piece of this.pieces) {
      out.set(piece, offset);
      offset += piece.length;
    }
    return out;
  }
}

/** Bytes cut into lines; `onLine` gets null for a line longer than the cap. */
class LineSplitter {
  private readonly pending: BoundedBytes;

  constructor(
    private readonly onLine: (line: Uint8Array | null) => void,
    maxLineBytes: number,
  ) {
    this.pending = new BoundedBytes(maxLineBytes);
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, start)) {
      this.finishLine(chunk.subarray(start, lf));
      start = lf + 1;
    }
    this.pending.add(chunk.subarray(start));
  }

  /** A last line without its LF still counts. */
  end(): void {
    if (!this.pending.empty) this.finishLine(new Uint8Array(0));
  }

  private finishLine(tail: Uint8Array): void {
    if (this.pending.empty) {
      this.onLine(withoutCR(tail));
      return;
    }
    this.pending.add(tail);
    const line = this.pending.take();
    this.onLine(line === null ? null : withoutCR(line));
  }
}

/** `onEvent(data, name)`: data is null when it was too large to keep. */
type SseEventHandler = (data: string | null, name: string | null) => void;

export class SseReader {
  /** Events dispatched so far (`data: [DONE]` included). */
  events = 0;
  private readonly lines: LineSplitter;
  private name: string | null = null;
  private data: string | null = null;
  private lost = false;

  constructor(
    private readonly onEvent: SseEventHandler,
    private readonly maxEventBytes: number,
  ) {
    this.lines = new LineSplitter((line) => this.readLine(line), maxEventBytes);
  }

  push(chunk: Uint8Array): void {
    this.lines.push(chunk);
  }

  /** A stream that ends without the blank line after its last event still delivers it. */
  end(): void {
    this.lines.end();
    this.dispatch();
  }

  private readLine(line: Uint8Array | null): void {
    if (line === null) {
      this.lost = true;
      return;
    }
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line[0] === COLON) return;
    const text = decoder.decode(line);
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.charCodeAt(colon + 1) === 0x20 ? text.slice(colon + 2) : text.slice(colon + 1);
    if (field === 'data') this.appendData(value);
    else if (field === 'event') this.name = value;
  }

  private appendData(value: string): void {
    if (this.lost) return;
    this.data = this.data === null ? value : `${this.data}\n${value}`;
    if (this.data.length > this.maxEventBytes) {
      this.lost = true;
      this.data = null;
    }
  }

  private dispatch(): void {
    if (this.data !== null || this.lost) {
      this.events += 1;
      this.onEvent(this.lost ? null : this.data, this.name);
    }
    this.name = null;
    this.data = null;
    this.lost = false;
  }
}
