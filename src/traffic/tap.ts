// The traffic tap: wraps globalThis.fetch so every model request the CLI makes is seen, without
// changing a byte of what it sends or receives. The request body is parsed after the request is
// on its way and not kept; the response is observed chunk by chunk as the CLI itself reads it
// (the CLI gets a new Response over the same bytes). Other requests are counted by host.
import { detectFormat } from './detect';
import { parserFor } from './parsers';
import {
  callKey,
  endSafely,
  errorName,
  markTapped,
  nextCallId,
  pushChunk,
  requestMessage,
  responseMessage,
  safely,
  trackUnfinished,
  type TapOptions,
} from './report';
import type { WireFormat } from './types';

export { flushResponses, type TapOptions } from './report';

type Fetch = typeof globalThis.fetch;

const TAPPED = Symbol.for('qwen-otel.fetch-tap');

export class HostCounter {
  private counts: Record<string, number> = {};
  private size = 0;

  add(host: string): void {
    if (!(host in this.counts) && this.size >= MAX_HOSTS) host = 'other';
    if (!(host in this.counts)) this.size += 1;
    this.counts[host] = (this.counts[host] ?? 0) + 1;
  }

  get pending(): boolean {
    return this.size > 0;
  }

  /** The counts since the last take, or null when there were none. */
  take(): Record<string, number> | null {
    if (this.size === 0) return null;
    const taken = this.counts;
    this.counts = {};
    this.size = 0;
    return taken;
  }
}

/** Hosts become a label: past this many distinct ones the rest count as "other". */
const MAX_HOSTS = 32;

/** Replaces globalThis.fetch by the tap (once per process); false when there is no fetch or it is tapped already. */
export function installFetchTap(options: TapOptions, hosts: HostCounter): boolean {
  const original = globalThis.fetch as (Fetch & { [TAPPED]?: true }) | undefined;
  if (typeof original !== 'function' || original[TAPPED]) return false;
  globalThis.fetch = tapFetch(original, options, hosts);
  return true;
}

/** `original` with every model call observed and other calls counted by host. */
export function tapFetch(original: Fetch, options: TapOptions, hosts: HostCounter): Fetch {
  const tapped = async function fetch(input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]): Promise<Response> {
    const target = describe(input, init);
    if (!target) return original(input, init);
    if (options.skipOrigin && target.url.origin === options.skipOrigin) return original(input, init);
    const format = detectFormat(target.url, target.method);
    if (!format) {
      hosts.add(target.url.host);
      return original(input, init);
    }
    return observeModelCall(original, input, init, format, target.url, nextCallId(), options);
  } as Fetch & { [TAPPED]?: true };
  tapped[TAPPED] = true;
  return tapped;
}

/** Marks a fetch that already observes (so no second tap wraps it). */
export function markFetchTapped(fetchFn: Fetch): void {
  (fetchFn as Fetch & { [TAPPED]?: true })[TAPPED] = true;
}

export function isFetchTapped(fetchFn: unknown): boolean {
  return typeof fetchFn === 'function' && (fetchFn as { [TAPPED]?: true })[TAPPED] === true;
}

function describe(input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]): { url: URL; method: string } | null {
  try {
    const isRequest = typeof Request !== 'undefined' && input instanceof Request;
    const url = new URL(isRequest ? input.url : String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return { url, method: (init?.method ?? (isRequest ? input.method : 'GET')).toUpperCase() };
  } catch {
    return null;
  }
}

async function observeModelCall(
  original: Fetch,
  input: Parameters<Fetch>[0],
  init: Parameters<Fetch>[1],
  format: WireFormat,
  url: URL,
  id: number,
  options: TapOptions,
): Promise<Response> {
  const t = Date.now();
  const body = bodyText(init?.body);
  // The request goes out first; reading what it carried waits for the next turn of the loop.
  // (Gemini names the model and streaming in the URL, not the body.)
  // A fast server can answer before that turn comes: the request is then reported first, so the
  // collector always sees a request before its response.
  let reported = false;
  const reportRequest = (): void => {
    if (reported) return;
    reported = true;
    safely(() => options.send(requestMessage(id, t, format, body, url, options)));
  };
  setImmediate(reportRequest);
  const key = callKey(url);
  markTapped(key, 1);
  let response: Response;
  try {
    response = await original(input, init);
  } catch (error) {
    markTapped(key, -1);
    reportRequest();
    safely(() => options.send(responseMessage(id, null, null, null, errorName(error), options)));
    throw error;
  }
  reportRequest();
  return observeResponse(response, format, id, options, () => markTapped(key, -1));
}

function observeResponse(response: Response, format: WireFormat, id: number, options: TapOptions, untap: () => void): Response {
  if (!response.body) {
    untap();
    safely(() => options.send(responseMessage(id, null, response.status, null, null, options)));
    return response;
  }
  const observer = parserFor(format).observeResponse(response.headers.get('content-type'));
  const reader = response.body.getReader();
  let firstChunkAt: number | null = null;
  let done = false;
  const finish = (error: string | null): void => {
    if (done) return;
    done = true;
    untrack();
    untap();
    safely(() => options.send(responseMessage(id, firstChunkAt, response.status, endSafely(observer), error, options)));
  };
  const untrack = trackUnfinished(() => finish(null));
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = await reader.read();
      } catch (error) {
        finish(errorName(error));
        controller.error(error);
        return;
      }
      if (chunk.done) {
        finish(null);
        controller.close();
        return;
      }
      firstChunkAt ??= Date.now();
      const bytes = chunk.value as Uint8Array;
      controller.enqueue(bytes);
      pushChunk(observer, bytes, options);
    },
    cancel(reason) {
      finish('Cancelled');
      return reader.cancel(reason);
    },
  });
  return sameResponse(response, stream);
}

/** A Response over the observed stream that looks like the original to the CLI. */
function sameResponse(original: Response, body: ReadableStream<Uint8Array>): Response {
  const copy = new Response(body, { status: original.status, statusText: original.statusText, headers: original.headers });
  for (const key of ['url', 'redirected', 'type'] as const) {
    Object.defineProperty(copy, key, { value: original[key], enumerable: true, configurable: true });
  }
  return copy;
}

function bodyText(body: unknown): string | null {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new TextDecoder().decode(body);
  return null;
}
