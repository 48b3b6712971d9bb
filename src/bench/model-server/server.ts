import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SCRIPTS } from './default-scripts';
import { describeRequest, newRecord, nowMs, type RecordedExchange } from './record';
import { findRoute, formatError } from './routes';
import { selectStep, type Script } from './script';
import { tokenCounts, type EncodedReply, type FormatHandler, type WireFormat } from './wire';

export type { RecordedExchange } from './record';

export interface ModelServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** One script for every format; by default each format gets its own CLI's script. */
  script?: Script;
  /** Scripts per format, taking precedence over `script`. */
  scripts?: Partial<Record<WireFormat, Script>>;
  /** Pause between two SSE events of a streamed reply. */
  chunkDelayMs?: number;
  /**
   * Receives each exchange's raw bodies once it has ended (e.g. to save fixtures).
   * The server itself keeps no text.
   */
  onBodies?: (exchange: RecordedExchange, requestBody: Buffer, responseBody: Buffer) => void;
}

export interface ModelServer {
  /** e.g. http://127.0.0.1:PORT (no trailing slash, no /v1). */
  url: string;
  port: number;
  requests: RecordedExchange[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface Settings {
  scriptFor: (format: WireFormat) => Script;
  chunkDelayMs: number;
}

/** One exchange in flight: its record and, when asked for, the bytes sent so far. */
interface Exchange {
  record: RecordedExchange;
  res: http.ServerResponse;
  requestBody: Buffer;
  sent: Buffer[] | undefined;
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const settings: Settings = {
    scriptFor: (format) => options.scripts?.[format] ?? options.script ?? DEFAULT_SCRIPTS[format],
    chunkDelayMs: options.chunkDelayMs ?? 0,
  };
  const requests: RecordedExchange[] = [];
  let nextSeq = 1;
  const server = http.createServer((req, res) => {
    const sent = options.onBodies ? [] : undefined;
    const exchange: Exchange = { record: newRecord(nextSeq++, req), res, requestBody: Buffer.alloc(0), sent };
    handle(req, exchange, settings)
      .catch(() => sendJson(exchange, 500, formatError(exchange.record.format, 500, 'mock model server failed')))
      .finally(() => {
        exchange.record.endedAt = nowMs();
        requests.push(exchange.record);
        options.onBodies?.(exchange.record, exchange.requestBody, Buffer.concat(exchange.sent ?? []));
      });
  });
  // Node's default keep-alive timeout (5 s) closes an idle connection just as a client that took
  // longer between two turns (a busy machine, a slow tool) sends its next request on it: undici
  // then fails with "other side closed". A real model API keeps connections open far longer.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}`, port, requests, close: () => closeServer(server) };
}

async function handle(req: http.IncomingMessage, exchange: Exchange, settings: Settings): Promise<void> {
  const { record } = exchange;
  const body = await readBody(req);
  if (!body) return sendJson(exchange, 413, formatError('none', 413, 'request body too large'));
  exchange.requestBody = body;
  record.requestBytes = body.length;
  const url = new URL(req.url ?? '/', 'http://mock.invalid');
  const route = findRoute(record.method, url.pathname);
  if (!route) return sendJson(exchange, 404, formatError('none', 404, `no route for ${record.method} ${record.path}`));
  if (route.kind === 'empty') return sendEmpty(exchange);
  record.format = route.kind === 'fixed' ? route.format : route.handler.format;
  if (route.kind === 'fixed') return sendJson(exchange, 200, route.answer(body.length));
  return answerModelRequest(exchange, route.handler, url, settings);
}

async function answerModelRequest(exchange: Exchange, handler: FormatHandler, url: URL, settings: Settings): Promise<void> {
  const request = handler.parse(parseJson(exchange.requestBody), url);
  if (!request) return sendJson(exchange, 400, formatError(handler.format, 400, `body is not a ${handler.format} request`));
  const selection = selectStep(request, settings.scriptFor(handler.format));
  describeRequest(exchange.record, request, selection);
  const context = {
    stepIndex: selection.stepIndex,
    model: request.model,
    tokens: tokenCounts(exchange.requestBody.length, selection.reply),
  };
  exchange.record.promptTokens = context.tokens.prompt;
  exchange.record.completionTokens = context.tokens.completion;
  const encoded = handler.encode(selection.reply, context, request, url);
  return sendEncoded(exchange, encoded, settings.chunkDelayMs);
}

function sendEncoded(exchange: Exchange, encoded: EncodedReply, delayMs: number): Promise<void> | void {
  if (encoded.kind === 'json') return sendJson(exchange, 200, encoded.body);
  return streamEvents(exchange, encoded.events, delayMs);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Resolves undefined when the body exceeds MAX_BODY_BYTES. */
async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function write(exchange: Exchange, bytes: Buffer): void {
  const { record } = exchange;
  exchange.res.write(bytes);
  if (record.method === 'HEAD') return; // Node sends no body for HEAD: nothing to count
  if (record.firstByteAt === 0) record.firstByteAt = nowMs();
  exchange.sent?.push(bytes);
  record.responseBytes += bytes.length;
  record.chunkCount += 1;
}

function sendJson(exchange: Exchange, status: number, payload: unknown): void {
  const { res, record } = exchange;
  if (res.headersSent) return void res.end();
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  record.status = status;
  write(exchange, body);
  res.end();
}

function sendEmpty(exchange: Exchange): void {
  exchange.res.writeHead(200, { 'content-length': 0 });
  exchange.record.status = 200;
  exchange.res.end();
}

async function streamEvents(exchange: Exchange, events: string[], delayMs: number): Promise<void> {
  const { res, record } = exchange;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  record.status = 200;
  for (const [index, event] of events.entries()) {
    if (index > 0 && delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return; // the client went away: stop quietly
    write(exchange, Buffer.from(event, 'utf8'));
  }
  res.end();
}

function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
