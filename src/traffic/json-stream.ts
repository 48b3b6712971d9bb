/**
 * A JSON response body read from bytes as they arrive, cut into the objects it is made of: the
 * body itself when it is an object, each element when it is an array (Gemini's
 * `:streamGenerateContent` without `alt=sse` streams `[{…},{…}]`). Only the object being read is
 * held, up to a cap; a larger one is counted but its text dropped.
 */

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, isWhitespace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-chars';
import { BoundedBytes } from './sse';

const decoder = new TextDecoder();

export class JsonObjectSplitter {
  /** Set once the body turned out not to be an object or an array of objects. */
  broken = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private inArray = false;
  private arrayClosed = false;
  private collecting = false;
  private readonly pending: BoundedBytes;

  constructor(
    private readonly onObject: (text: string | null) => void,
    maxObjectBytes: number,
  ) {
    this.pending = new BoundedBytes(maxObjectBytes);
  }

  /** True when the body ended where a JSON body may end. */
  get complete(): boolean {
    return !this.broken && this.depth === 0 && !this.inString;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (let i = 0; i < chunk.length && !this.broken; i++) {
      const code = chunk[i]!;
      if (this.collecting) {
        if (this.readInside(code)) {
          this.finishObject(chunk.subarray(start, i + 1));
        }
        continue;
      }
      if (this.readBetween(code)) start = i;
    }
    if (this.collecting) this.pending.add(chunk.subarray(start));
  }

  /** Nothing to flush: an object cut short is simply not delivered (`complete` tells). */
  end(): void {}

  /** One byte inside an object; true when it closed the object. */
  private readInside(code: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (code === BACKSLASH) this.escaped = true;
      else if (code === QUOTE) this.inString = false;
      return false;
    }
    if (code === QUOTE) this.inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      this.depth--;
      return this.depth === (this.inArray ? 1 : 0);
    }
    return false;
  }

  /** One byte between objects; true when it opened one. */
  private readBetween(code: number): boolean {
    if (isWhitespace(code) || (code === COMMA && this.inArray && !this.arrayClosed)) return false;
    if (code === OPEN_BRACKET && this.depth === 0 && !this.inArray) {
      this.inArray = true;
      this.depth = 1;
      return false;
    }
    if (code === CLOSE_BRACKET && this.inArray && this.depth === 1) {
      this.depth = 0;
      this.arrayClosed = true;
      return false;
    }
    if (code === OPEN_BRACE && !this.arrayClosed) {
      this.collecting = true;
      this.depth++;
      return true;
    }
    this.broken = true;
    return false;
  }

  private finishObject(tail: Uint8Array): void {
    this.pending.add(tail);
    const bytes = this.pending.take();
    this.collecting = false;
    this.onObject(bytes === null ? null : decoder.decode(bytes));
  }
}
