// What both ways of seeing a model call (the fetch tap, undici's diagnostics channels) report,
// and the calls still open at exit.
import { parserFor } from './parsers';
import type { ModelCallMessage, RequestFigures, ResponseObserver, SpanMemory, WireFormat } from './types';

export interface TapOptions {
  send(message: ModelCallMessage): void;
  memory(): SpanMemory;
  /** Calls to this origin (the loopback proxy) are the proxy's to report: left untouched here. */
  skipOrigin?: string | null;
  /** Counts the agent's own CPU: `cpu` runs work of a millisecond or more on a CPU clock. */
  cost?: TrafficCost;
}

export interface TrafficCost {
  cpu<T>(work: () => T): T;
  /** Microseconds of work too short for a CPU clock read (~5 µs) to be worth it, timed by the wall clock. */
  addClockUs(us: number): void;
}

let nextId = 1;

/** Pairs a request with its response within this process, whichever way it was seen. */
export function nextCallId(): number {
  return nextId++;
}

/**
 * Responses the CLI has not read to their end. A CLI may stop reading after the last event it
 * needs and exit: at exit each is reported with what was seen (see flushResponses).
 */
const unfinished = new Set<() => void>();

export function trackUnfinished(finish: () => void): () => void {
  unfinished.add(finish);
  return () => unfinished.delete(finish);
}

/** Reports the responses still being read (called from the exit hook, synchronously). */
export function flushResponses(): void {
  for (const finish of [...unfinished]) finish();
}

/**
 * Model URLs the fetch tap is handling now: the runtime's own fetch is undici too, and its
 * diagnostics channels must not report the same call twice.
 */
const tapped = new Map<string, number>();

export function markTapped(key: string, delta: 1 | -1): void {
  const count = (tapped.get(key) ?? 0) + delta;
  if (count > 0) tapped.set(key, count);
  else tapped.delete(key);
}

export function isTapped(key: string): boolean {
  return tapped.has(key);
}

/** origin + path + query: how both ways name one call. */
export function callKey(url: URL): string {
  return `${url.origin}${url.pathname}${url.search}`;
}

/** The request's figures, read from its body (null: not read, or not text). */
export function requestMessage(
  id: number,
  t: number,
  format: WireFormat,
  body: string | null,
  url: URL,
  options: TapOptions,
): ModelCallMessage {
  const parse = (): RequestFigures | null => (body === null ? null : parserFor(format).parseRequest(body, url));
  const figures = options.cost ? options.cost.cpu(parse) : parse();
  return { k: 'model_request', id, t, format, figures, mem: options.memory() };
}

/** Feeds a response chunk to its observer, timing it for the agent's own cost. */
export function pushChunk(observer: ResponseObserver, chunk: Uint8Array, options: TapOptions): void {
  if (!options.cost) {
    observer.push(chunk);
    return;
  }
  const began = process.hrtime.bigint();
  observer.push(chunk);
  options.cost.addClockUs(Number(process.hrtime.bigint() - began) / 1000);
}

export function responseMessage(
  id: number,
  firstChunkAt: number | null,
  status: number | null,
  figures: ReturnType<ResponseObserver['end']> | null,
  error: string | null,
  options: TapOptions,
): ModelCallMessage {
  return { k: 'model_response', id, t: Date.now(), firstChunkAt, status, figures, error, mem: options.memory() };
}

export function endSafely(observer: ResponseObserver | null): ReturnType<ResponseObserver['end']> | null {
  if (!observer) return null;
  try {
    return observer.end();
  } catch {
    return null;
  }
}

export { errorName } from './error-name';

/** Telemetry never throws into the CLI. */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Dropped: telemetry is not worth a failed request.
  }
}
