/**
 * A forward-only scanner over a JSON text that walks its structure without building values.
 * Strings are skipped with `indexOf` (native speed, no copy), and byte figures come from a running
 * UTF-8 offset: `bytesAt(pos)` counts only the characters between the last position asked and
 * this one, so a body is counted about once however many ranges are measured. Nothing it keeps
 * grows with the body: a 5 MiB request costs no copy of itself.
 *
 * It is lenient (a walker, not a validator): it throws ScanError on what it cannot walk
 * (truncation, unpaired brackets, a missing colon, a stray character where a value should be) and
 * leaves finer checks to the JSON.parse that built the body in the first place.
 */

import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  escapeLength,
  escapeSavings,
  isWhitespace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-chars';

export class ScanError extends Error {}

function isScalarStart(code: number): boolean {
  return code === 0x2d || (code >= 0x30 && code <= 0x39) || code === 0x74 || code === 0x66 || code === 0x6e;
}

function isDelimiter(code: number): boolean {
  return code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isWhitespace(code);
}

export class JsonScanner {
  /** Index of the next character to read. */
  pos = 0;
  /** What decoding the escapes of the last string scanned saves, in UTF-8 bytes. */
  private escapeSavings = 0;
  // Cached next occurrences, moved only forward: each character is searched about once even in a
  // 5 MiB string with an escaped newline every 80 characters.
  private nextQuote = -1;
  private nextBackslash = -1;
  private countedTo = 0;
  private countedBytes = 0;

  constructor(private readonly text: string) {}

  /** UTF-8 bytes of the text before `pos`. Cheapest when asked in increasing order. */
  bytesAt(pos: number): number {
    if (pos === this.countedTo) return this.countedBytes;
    const from = Math.min(pos, this.countedTo);
    const bytes = Buffer.byteLength(this.text.slice(from, Math.max(pos, this.countedTo)), 'utf8');
    this.countedBytes += pos > this.countedTo ? bytes : -bytes;
    this.countedTo = pos;
    return this.countedBytes;
  }

  /** The next non-whitespace character code (pos moves to it), or -1 at the end. */
  peek(): number {
    const text = this.text;
    let pos = this.pos;
    while (pos < text.length && isWhitespace(text.charCodeAt(pos))) pos++;
    this.pos = pos;
    return pos < text.length ? text.charCodeAt(pos) : -1;
  }

  atEnd(): boolean {
    return this.peek() === -1;
  }

  /** Enters the object at pos; false (nothing consumed) when the value is not an object. */
  beginObject(): boolean {
    if (this.peek() !== OPEN_BRACE) return false;
    this.pos++;
    return true;
  }

  /** The next key of the current object, with pos before its value; null once the object is closed. */
  nextKey(): string | null {
    let code = this.peek();
    if (code === COMMA) {
      this.pos++;
      code = this.peek();
    }
    if (code === CLOSE_BRACE) {
      this.pos++;
      return null;
    }
    if (code !== QUOTE) throw new ScanError(`key expected at ${this.pos}`);
    const key = this.readString() ?? '';
    if (this.peek() !== COLON) throw new ScanError(`colon expected at ${this.pos}`);
    this.pos++;
    return key;
  }

  beginArray(): boolean {
    if (this.peek() !== OPEN_BRACKET) return false;
    this.pos++;
    return true;
  }

  /** True when another element of the current array follows (pos before it); false once closed. */
  nextElement(): boolean {
    let code = this.peek();
    if (code === COMMA) {
      this.pos++;
      code = this.peek();
    }
    if (code === CLOSE_BRACKET) {
      this.pos++;
      return false;
    }
    if (code === -1) throw new ScanError('unterminated array');
    return true;
  }

  skipValue(): void {
    const code = this.peek();
    if (code === QUOTE) this.skipString();
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.skipContainer();
    else this.skipScalar(code);
  }

  /** JSON bytes of the value at pos as it stands in the text, consuming it. */
  valueBytes(): number {
    return this.measure(() => this.skipValue());
  }

  /** JSON bytes that `walk` moves over, from the value at pos. */
  measure(walk: () => void): number {
    this.peek();
    const start = this.bytesAt(this.pos);
    walk();
    return this.bytesAt(this.pos) - start;
  }

  /**
   * The string at pos, decoded; null (value skipped) when it is not a string. Always a fresh
   * string: a slice of the body (V8 makes one for 13 characters or more) would keep the whole
   * body alive as long as the figures holding it.
   */
  readString(): string | null {
    if (this.peek() !== QUOTE) {
      if (this.pos >= this.text.length) throw new ScanError('value expected');
      this.skipValue();
      return null;
    }
    const start = this.pos;
    this.skipString();
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  /**
   * The first `chars` characters (at most) of the value `walk` moves over, as they stand in the
   * text (escapes kept). A short-lived copy: never keep it (see readString).
   */
  headOf(chars: number, walk: () => void): string {
    this.peek();
    const start = this.pos;
    walk();
    return this.text.slice(start, Math.min(this.pos, start + chars));
  }

  /** True for a literal `true`; any other value is skipped and gives false. */
  readTrue(): boolean {
    if (this.peek() === 0x74 && this.text.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    this.skipValue();
    return false;
  }

  /** UTF-8 bytes of the string at pos once decoded (escapes resolved); null when not a string. */
  decodedStringBytes(): number | null {
    if (this.peek() !== QUOTE) {
      this.skipValue();
      return null;
    }
    const start = this.bytesAt(this.pos + 1);
    this.skipString();
    return this.bytesAt(this.pos - 1) - start - this.escapeSavings;
  }

  private skipString(): void {
    const text = this.text;
    let at = this.pos + 1;
    this.escapeSavings = 0;
    for (;;) {
      const quote = this.findQuote(at);
      const backslash = this.findBackslash(at);
      if (quote >= text.length) throw new ScanError('unterminated string');
      if (quote < backslash) {
        this.pos = quote + 1;
        return;
      }
      at = this.skipEscape(backslash);
      // Runs of escapes (blank lines, \u-escaped text) need no search.
      while (text.charCodeAt(at) === BACKSLASH) at = this.skipEscape(at);
    }
  }

  /** Consumes the escape at `at` (a backslash), adding what decoding it saves; the index after it. */
  private skipEscape(at: number): number {
    const saved = escapeSavings(this.text, at);
    this.escapeSavings += saved;
    return at + escapeLength(saved);
  }

  private findQuote(from: number): number {
    if (this.nextQuote < from) this.nextQuote = this.findFrom('"', from);
    return this.nextQuote;
  }

  private findBackslash(from: number): number {
    if (this.nextBackslash < from) this.nextBackslash = this.findFrom('\\', from);
    return this.nextBackslash;
  }

  private findFrom(search: string, from: number): number {
    const found = this.text.indexOf(search, from);
    return found < 0 ? this.text.length : found;
  }

  /** Skips an object or array, checking that brackets pair up (not what lies between them). */
  private skipContainer(): void {
    const text = this.text;
    const closers: number[] = [];
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === QUOTE) {
        this.skipString();
        continue;
      }
      this.pos++;
      if (code === OPEN_BRACE) closers.push(CLOSE_BRACE);
      else if (code === OPEN_BRACKET) closers.push(CLOSE_BRACKET);
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        if (closers.pop() !== code) throw new ScanError(`unexpected ${String.fromCharCode(code)} at ${this.pos - 1}`);
        if (closers.length === 0) return;
      }
    }
    throw new ScanError('unterminated object or array');
  }

  private skipScalar(first: number): void {
    if (!isScalarStart(first)) throw new ScanError(`value expected at ${this.pos}`);
    const text = this.text;
    let pos = this.pos + 1;
    while (pos < text.length && !isDelimiter(text.charCodeAt(pos))) pos++;
    this.pos = pos;
  }
}
