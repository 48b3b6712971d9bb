/**
 * What the four request parsers share: the walk over the top-level object, the figures they fill,
 * and readers for the pieces every format has (text given as a string or as parts with `text`).
 */
import { OPEN_BRACKET, QUOTE } from './json-chars';
import { JsonScanner, ScanError } from './json-scan';
import { HEAD_CHARS, fnv1a, pathKeysIn, savedPathKey, truncationOf } from './truncation';
import type { RequestFigures, WireFormat } from './types';

/** Cut tool results listed per request: the newest, the ones not yet counted by the collector. */
export const MAX_TRUNCATED_LISTED = 64;
/** Read-backs listed per request, likewise the newest. */
export const MAX_READ_BACKS_LISTED = 64;
/** Characters of a tool call's arguments (raw JSON) looked at for paths, and the paths taken from them. */
const CALL_HEAD_CHARS = 2048;
const MAX_PATHS_PER_CALL = 16;

/**
 * Hashes of the paths where the CLI saved the outputs it cut, met so far in the request being
 * walked (the newest MAX_TRUNCATED_LISTED): only while it is walked, never in its figures.
 */
const savedPaths = new WeakMap<RequestFigures, Set<number>>();

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
    truncated: [],
    readBacks: [],
    savedUntracked: 0,
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
 * The conversation array: `readItem` reads each element (adding its tool results) and says
 * whether it is a system instruction; the element's JSON bytes as sent go to the system or the
 * history. Anything but an array there means the body is not of this format.
 */
export function readConversation(scanner: JsonScanner, figures: RequestFigures, readItem: () => boolean): void {
  if (scanner.peek() !== OPEN_BRACKET) throw new ScanError('the conversation is not an array');
  figures.messageCount += forEachElement(scanner, () => {
    let system = false;
    const bytes = scanner.measure(() => (system = readItem()));
    if (system) figures.systemBytes += bytes;
    else figures.historyBytes += bytes;
  });
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

/** `head`: the raw start of the result's value (headOf), to find a CLI's truncation notice. */
export function addToolResult(figures: RequestFigures, bytes: number, head: string | null = null): void {
  figures.toolResultCount += 1;
  figures.toolResultBytes += bytes;
  if (bytes > figures.toolResultLargest) figures.toolResultLargest = bytes;
  const cut = head === null ? null : truncationOf(head, bytes);
  if (!cut) return;
  figures.truncated ??= [];
  const listed = figures.truncated;
  listed.push(cut);
  if (listed.length > MAX_TRUNCATED_LISTED) listed.shift();
  const pathKey = cut.saved && head !== null ? savedPathKey(head) : null;
  if (pathKey !== null) rememberSavedPath(figures, pathKey);
}

function rememberSavedPath(figures: RequestFigures, pathKey: number): void {
  const paths = savedPaths.get(figures) ?? new Set<number>();
  savedPaths.set(figures, paths);
  paths.add(pathKey);
  if (paths.size <= MAX_TRUNCATED_LISTED) return;
  paths.delete(paths.values().next().value as number);
  figures.savedUntracked = (figures.savedUntracked ?? 0) + 1;
}

/**
 * A tool call the history carries (`id` when the format gives one; `argumentsHead` from
 * callArgumentsHead): a read-back when its arguments name a path where an earlier result of the
 * request was saved. Its key (a hash of id and arguments) lets the collector count it once.
 */
export function addHistoryCall(figures: RequestFigures, id: string | null, argumentsHead: string): void {
  const paths = savedPaths.get(figures);
  if (!paths || !pathKeysIn(argumentsHead, MAX_PATHS_PER_CALL).some((key) => paths.has(key))) return;
  figures.readBacks ??= [];
  const listed = figures.readBacks;
  listed.push(fnv1a(`${id ?? ''}\0${argumentsHead}`));
  if (listed.length > MAX_READ_BACKS_LISTED) listed.shift();
}

/** The raw head of a tool call's arguments value at pos (skipped whole), for addHistoryCall. */
export function callArgumentsHead(scanner: JsonScanner): string {
  return scanner.headOf(CALL_HEAD_CHARS, () => scanner.skipValue());
}

/** A tool result's text bytes (textBytes), and the raw head of its value for addToolResult. */
export function toolResultText(scanner: JsonScanner): { bytes: number; head: string } {
  let bytes = 0;
  const head = scanner.headOf(HEAD_CHARS, () => (bytes = textBytes(scanner)));
  return { bytes, head };
}

/** The `tools` array: its JSON bytes as sent, and its tools (one per element unless `toolsIn` reads the element and says). */
export function readToolsArray(
  scanner: JsonScanner,
  figures: RequestFigures,
  toolsIn: () => number = () => {
    scanner.skipValue();
    return 1;
  },
): void {
  figures.toolSchemaBytes += scanner.measure(() => {
    forEachElement(scanner, () => {
      figures.toolSchemaCount += toolsIn();
    });
  });
}
