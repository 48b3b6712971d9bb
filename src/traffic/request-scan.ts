/**
 * What the four request parsers share: the walk over the top-level object, the figures they fill,
 * and readers for the pieces every format has (text given as a string or as parts with `text`).
 */
import { OPEN_BRACKET, QUOTE } from './json-chars';
import { JsonScanner, ScanError } from './json-scan';
import type { RequestFigures, WireFormat } from './types';

/** Reads one top-level member's value (pos is before it); false leaves it to be skipped. */
type TopLevelReader = (key: string, scanner: JsonScanner, figures: RequestFigures) => boolean;

function emptyRequestFigures(format: WireFormat): RequestFigures {
  return {
    format,
    model: null,
    stream: false,
    totalBytes: 0,
    systemBytes: 0,
    toolSchemaCount: 0,
    toolSchemaBytes: 0,
    historyBytes: 0,
    messageCount: 0,
    toolResultCount: 0,
    toolResultBytes: 0,
    toolResultLargest: 0,
  };
}

/**
 * Walks a request body: a JSON object whose members go to `read`. Null when the body is not an
 * object, cannot be walked, or has none of the `conversationKeys` (not a request of this format).
 */
export function scanRequestBody(
  body: string,
  format: WireFormat,
  conversationKeys: readonly string[],
  read: TopLevelReader,
): RequestFigures | null {
  try {
    const scanner = new JsonScanner(body);
    const figures = emptyRequestFigures(format);
    if (!scanner.beginObject()) return null;
    let sawConversation = false;
    for (let key = scanner.nextKey(); key !== null; key = scanner.nextKey()) {
      if (conversationKeys.includes(key)) sawConversation = true;
      if (!read(key, scanner, figures)) scanner.skipValue();
    }
    if (!scanner.atEnd() || !sawConversation) return null;
    figures.totalBytes = scanner.bytesAt(body.length);
    return figures;
  } catch {
    return null;
  }
}

/** Calls `each` with pos before every element of the array at pos; the element count (0 when not an array). */
export function forEachElement(scanner: JsonScanner, each: (index: number) => void): number {
  if (!scanner.beginArray()) {
    scanner.skipValue();
    return 0;
  }
  let count = 0;
  while (scanner.nextElement()) each(count++);
  return count;
}

/** Calls `each` with every key of the object at pos (it reads the value or returns false to skip it). */
export function forEachMember(scanner: JsonScanner, each: (key: string) => boolean): boolean {
  if (!scanner.beginObject()) {
    scanner.skipValue();
    return false;
  }
  for (let key = scanner.nextKey(); key !== null; key = scanner.nextKey()) {
    if (!each(key)) scanner.skipValue();
  }
  return true;
}

/**
 * The conversation array: calls `each` with pos before every element, and returns the JSON bytes
 * of each element as sent. Anything but an array there means the body is not of this format.
 */
export function forEachElementBytes(scanner: JsonScanner, each: (index: number) => void): number[] {
  const sizes: number[] = [];
  if (scanner.peek() !== OPEN_BRACKET) throw new ScanError('the conversation is not an array');
  forEachElement(scanner, (index) => {
    const start = scanner.bytesAt(scanner.pos);
    each(index);
    sizes.push(scanner.bytesAt(scanner.pos) - start);
  });
  return sizes;
}

/**
 * UTF-8 bytes of a text once decoded: a string, or the `text` members of an array of parts
 * (OpenAI content parts, Anthropic blocks); other parts (images) count nothing.
 */
export function textBytes(scanner: JsonScanner): number {
  const code = scanner.peek();
  if (code === QUOTE) return scanner.decodedStringBytes() ?? 0;
  let total = 0;
  forEachElement(scanner, () => {
    forEachMember(scanner, (key) => {
      if (key !== 'text') return false;
      total += scanner.decodedStringBytes() ?? 0;
      return true;
    });
  });
  return total;
}

export function addToolResult(figures: RequestFigures, bytes: number): void {
  figures.toolResultCount += 1;
  figures.toolResultBytes += bytes;
  if (bytes > figures.toolResultLargest) figures.toolResultLargest = bytes;
}

/** The `tools` array: its count and its JSON bytes as sent. */
export function readToolsArray(scanner: JsonScanner, figures: RequestFigures): void {
  scanner.peek();
  const start = scanner.bytesAt(scanner.pos);
  figures.toolSchemaCount += forEachElement(scanner, () => scanner.skipValue());
  figures.toolSchemaBytes += scanner.bytesAt(scanner.pos) - start;
}
