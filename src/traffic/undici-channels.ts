// Model calls made through an undici the CLI bundles itself (Qwen Code 0.24 does), which the
// fetch tap never sees: undici publishes every request on diagnostics channels, its body chunks
// too (undici >= 7), so they are measured the same way without touching the request. Calls the
// fetch tap is handling (the runtime's fetch is undici as well) are left to it.
import * as channels from 'node:diagnostics_channel';
import { detectFormat } from './detect';
import { parserFor } from './parsers';
import {
  callKey,
  endSafely,
  errorName,
  isTapped,
  nextCallId,
  pushChunk,
  requestMessage,
  responseMessage,
  safely,
  trackUnfinished,
  type TapOptions,
} from './report';
import type { ResponseObserver, WireFormat } from './types';

/** A request body larger than this is counted as unparsed rather than gathered. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface UndiciRequest {
  origin?: unknown;
  path?: unknown;
  method?: unknown;
  body?: unknown;
}

interface Call {
  id: number;
  t: number;
  format: WireFormat;
  url: URL;
  chunks: Buffer[] | null;
  size: number;
  reported: boolean;
  observer: ResponseObserver | null;
  status: number | null;
  firstChunkAt: number | null;
  untrack: () => void;
}

/**
 * Subscribes to undici's channels; returns the handler of `undici:request:create`, for a message
 * published before these subscriptions existed (the one that made the agent load this code), or
 * null when the runtime has no diagnostics channels.
 */
export function observeUndiciChannels(options: TapOptions): ((message: unknown) => void) | null {
  if (typeof channels.subscribe !== 'function') return null;
  const calls = new WeakMap<object, Call>();
  type Handler = (message: { request: UndiciRequest } & Record<string, unknown>, call: Call | undefined) => void;
  // Every undici call of the process comes through here: no closure per message.
  const guarded =
    (handle: Handler) =>
    (message: unknown): void => {
      try {
        const m = message as { request: UndiciRequest } & Record<string, unknown>;
        if (m?.request && typeof m.request === 'object') handle(m, calls.get(m.request));
      } catch {
        // Telemetry never throws into the CLI.
      }
    };
  const on = (name: string, handle: Handler): ((message: unknown) => void) => {
    const listener = guarded(handle);
    channels.subscribe(`undici:request:${name}`, listener);
    return listener;
  };
  const finish = (request: object, call: Call, error: string | null): void => {
    calls.delete(request);
    call.untrack();
    report(call, options);
    // No chunk seen (an undici before 7 publishes none): nothing is known of the response's content.
    const figures = call.firstChunkAt === null ? null : endSafely(call.observer);
    options.send(responseMessage(call.id, call.firstChunkAt, call.status, figures, error, options));
  };
  const onCreate = on('create', ({ request }, known) => {
    if (known) return;
    const call = newCall(request, () => finish(request, call as Call, null), options.skipOrigin ?? null);
    if (call) calls.set(request, call);
  });
  // A body given whole was gathered at create (undici < 7 announces no chunks); undici 7 then
  // announces that same Buffer as a sent chunk.
  on('bodyChunkSent', ({ request, chunk }, call) => call && chunk !== request.body && gather(call, chunk));
  on('bodySent', (_m, call) => call && setImmediate(() => safely(() => report(call, options))));
  on('headers', ({ response }, call) => {
    if (!call) return;
    report(call, options);
    const head = response as { statusCode?: number; headers?: unknown[] } | undefined;
    call.status = typeof head?.statusCode === 'number' ? head.statusCode : null;
    call.observer = parserFor(call.format).observeResponse(contentType(head?.headers));
  });
  on('bodyChunkReceived', ({ chunk }, call) => {
    if (!call?.observer || !(chunk instanceof Uint8Array)) return;
    call.firstChunkAt ??= Date.now();
    pushChunk(call.observer, chunk, options);
  });
  on('trailers', ({ request }, call) => call && finish(request, call, null));
  on('error', ({ request, error }, call) => call && finish(request, call, errorName(error)));
  return onCreate;
}

function newCall(request: UndiciRequest, unread: () => void, skipOrigin: string | null): Call | null {
  if (typeof request.origin !== 'string' && !(request.origin instanceof URL)) return null;
  if (typeof request.path !== 'string') return null;
  const url = new URL(request.path, String(request.origin));
  if (skipOrigin && url.origin === skipOrigin) return null;
  const format = detectFormat(url, typeof request.method === 'string' ? request.method : 'GET');
  if (!format || isTapped(callKey(url))) return null;
  const call: Call = {
    id: nextCallId(),
    t: Date.now(),
    format,
    url,
    chunks: [],
    size: 0,
    reported: false,
    observer: null,
    status: null,
    firstChunkAt: null,
    untrack: () => undefined,
  };
  if (typeof request.body === 'string' || request.body instanceof Uint8Array) gather(call, request.body);
  call.untrack = trackUnfinished(unread);
  return call;
}

function gather(call: Call, chunk: unknown): void {
  if (!call.chunks) return;
  // Copied: undici may reuse its buffers once a chunk is written.
  const bytes = typeof chunk === 'string' || chunk instanceof Uint8Array ? Buffer.from(chunk) : null;
  call.size += bytes?.length ?? 0;
  if (!bytes || call.size > MAX_BODY_BYTES) call.chunks = null;
  else call.chunks.push(bytes);
}

/** The request's figures, once: its body is parsed and let go. */
function report(call: Call, options: TapOptions): void {
  if (call.reported) return;
  call.reported = true;
  const body = call.chunks && call.size > 0 ? Buffer.concat(call.chunks, call.size).toString('utf8') : null;
  call.chunks = null;
  options.send(requestMessage(call.id, call.t, call.format, body, call.url, options));
}

/** undici hands headers as a flat list of raw name, value buffers. */
function contentType(headers: unknown[] | undefined): string | null {
  if (!Array.isArray(headers)) return null;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === 'content-type') return String(headers[i + 1]);
  }
  return null;
}
