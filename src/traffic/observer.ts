/**
 * The response side shared by every format: bytes in, figures out. A stream is read as SSE, a
 * plain body as JSON objects; each parsed event or object goes to the format's consumer.
 */
import { isWhitespace, OPEN_BRACE, OPEN_BRACKET } from './json-chars';
import { JsonObjectSplitter } from './json-stream';
import { emptyResponseFigures } from './response-values';
import { SseReader } from './sse';
import type { ResponseFigures, ResponseObserver } from './types';

/** Reads one parsed event or object into the figures; true when it had this format's shape. */
export type ValueConsumer = (value: unknown, eventName: string | null, figures: ResponseFigures) => boolean;

/** The largest SSE event or JSON object read; a larger one is counted, not read. */
const MAX_VALUE_BYTES = 1024 * 1024;

interface BodyReader {
  push(chunk: Uint8Array): void;
  end(): void;
}

function firstNonWhitespace(chunk: Uint8Array): number {
  for (const code of chunk) {
    if (!isWhitespace(code)) return code;
  }
  return -1;
}

class BodyObserver implements ResponseObserver {
  private readonly figures = emptyResponseFigures();
  private sse: SseReader | null = null;
  private json: JsonObjectSplitter | null = null;
  private understood = 0;
  private malformed = 0;
  private ended = false;

  constructor(
    private readonly contentType: string,
    private readonly consume: ValueConsumer,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.ended) return;
    try {
      this.figures.bytes += chunk.byteLength;
      const reader = this.reader() ?? this.chooseReader(chunk);
      reader?.push(chunk);
    } catch {
      this.malformed += 1;
    }
  }

  end(): ResponseFigures {
    if (!this.ended) this.finish();
    return { ...this.figures, toolNames: [...this.figures.toolNames] };
  }

  private finish(): void {
    this.ended = true;
    try {
      this.reader()?.end();
    } catch {
      this.malformed += 1;
    }
    const figures = this.figures;
    if (this.sse) figures.events = this.sse.events;
    if (this.json) {
      figures.events = figures.bytes > 0 ? 1 : 0;
      if (!this.json.complete) this.malformed += 1;
    }
    figures.unparsed = this.understood === 0 || this.malformed > 0;
  }

  private reader(): BodyReader | null {
    return this.sse ?? this.json;
  }

  /** By content type; without one that says, by the first byte (`{` or `[`: JSON, else SSE). */
  private chooseReader(chunk: Uint8Array): BodyReader | null {
    const type = this.contentType;
    let isJson = type.includes('json');
    if (!type.includes('event-stream') && !isJson) {
      const first = firstNonWhitespace(chunk);
      if (first < 0) return null;
      isJson = first === OPEN_BRACE || first === OPEN_BRACKET;
    }
    const onValue = (text: string | null, name: string | null = null): void => this.readValue(text, name);
    if (isJson) {
      this.json = new JsonObjectSplitter(onValue, MAX_VALUE_BYTES);
      return this.json;
    }
    this.sse = new SseReader(onValue, MAX_VALUE_BYTES);
    return this.sse;
  }

  private readValue(text: string | null, eventName: string | null): void {
    if (text === null || text.trim() === '' || text === '[DONE]') return;
    try {
      if (this.consume(JSON.parse(text), eventName, this.figures)) this.understood += 1;
    } catch {
      this.malformed += 1;
    }
  }
}

export function observeWith(contentType: string | null, consume: ValueConsumer): ResponseObserver {
  return new BodyObserver((contentType ?? '').toLowerCase(), consume);
}
