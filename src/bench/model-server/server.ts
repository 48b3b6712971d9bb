import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  completionObject,
  errorBody,
  MOCK_MODEL_ID,
  modelsList,
  sseEvents,
  streamChunks,
  usageFor,
  type ChatReply,
} from './openai-chat';
import {
  countToolResults,
  DEFAULT_QWEN_SCRIPT,
  isChatRequest,
  selectReply,
  toolResultTextBytes,
  type ChatRequest,
  type RequestKind,
  type Script,
} from './script';

export interface ModelServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  script?: Script;
  /** Pause between two SSE events of a streamed reply. */
  chunkDelayMs?: number;
}

/** One HTTP exchange, as sizes and counts only: never any text of the conversation. */
export interface RecordedExchange {
  /** 1-based, in order of arrival. */
  seq: number;
  method: string;
  path: string;
  status: number;
  /** Bytes of the request body as received. */
  requestBytes: number;
  messageCount: number;
  /** Tool definitions offered in `tools`. */
  toolCount: number;
  /** `role: "tool"` messages; also the script step the request was given. */
  toolResultCount: number;
  /** UTF-8 bytes of the text of those tool messages. */
  toolResultBytes: number;
  requestKind: RequestKind | 'none';
  /** 'none' for anything that is not a chat completion (errors, model list). */
  replyKind: 'tool_calls' | 'text' | 'none';
  toolCallNames: string[];
  stream: boolean;
  /** Bytes of the response body as sent. */
  responseBytes: number;
  /** SSE events sent, `data: [DONE]` included; 1 for a JSON body. */
  chunkCount: number;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
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
  script: Script;
  chunkDelayMs: number;
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const settings: Settings = { script: options.script ?? DEFAULT_QWEN_SCRIPT, chunkDelayMs: options.chunkDelayMs ?? 0 };
  const requests: RecordedExchange[] = [];
  let nextSeq = 1;
  const server = http.createServer((req, res) => {
    const record = newRecord(nextSeq++, req);
    handle(req, res, record, settings)
      .catch(() => sendJson(res, record, 500, errorBody('mock model server failed', 'server_error')))
      .finally(() => {
        record.endedAt = nowMs();
        requests.push(record);
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}`, port, requests, close: () => closeServer(server) };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  record: RecordedExchange,
  settings: Settings,
): Promise<void> {
  const body = await readBody(req);
  record.requestBytes = body?.length ?? 0;
  if (!body) return sendJson(res, record, 413, errorBody('request body too large', 'invalid_request_error'));
  if (req.method === 'GET' && record.path === '/v1/models') return sendJson(res, record, 200, modelsList());
  if (req.method !== 'POST' || record.path !== '/v1/chat/completions') {
    return sendJson(res, record, 404, errorBody(`no route for ${req.method} ${record.path}`, 'not_found_error'));
  }
  const request = parseChatRequest(body);
  if (!request) return sendJson(res, record, 400, errorBody('body must be JSON with a messages array', 'invalid_request_error'));
  const selection = selectReply(request, settings.script);
  describeRequest(record, request, selection.kind, selection.reply);
  const meta = { id: `chatcmpl-mock-${selection.stepIndex}`, model: MOCK_MODEL_ID, usage: usageFor(body.length, selection.reply) };
  if (record.stream) return streamReply(res, record, streamChunks(selection.reply, meta), settings.chunkDelayMs);
  return sendJson(res, record, 200, completionObject(selection.reply, meta));
}

function newRecord(seq: number, req: http.IncomingMessage): RecordedExchange {
  return {
    seq,
    method: req.method ?? '',
    path: (req.url ?? '/').split('?')[0] ?? '/',
    status: 0,
    requestBytes: 0,
    messageCount: 0,
    toolCount: 0,
    toolResultCount: 0,
    toolResultBytes: 0,
    requestKind: 'none',
    replyKind: 'none',
    toolCallNames: [],
    stream: false,
    responseBytes: 0,
    chunkCount: 0,
    startedAt: nowMs(),
    endedAt: 0,
  };
}

function describeRequest(record: RecordedExchange, request: ChatRequest, kind: RequestKind, reply: ChatReply): void {
  record.messageCount = request.messages.length;
  record.toolCount = Array.isArray(request.tools) ? request.tools.length : 0;
  record.toolResultCount = countToolResults(request.messages);
  record.toolResultBytes = toolResultTextBytes(request.messages);
  record.requestKind = kind;
  record.replyKind = reply.kind === 'tool_call' ? 'tool_calls' : 'text';
  record.toolCallNames = reply.kind === 'tool_call' ? [reply.name] : [];
  record.stream = request.stream === true;
}

function parseChatRequest(body: Buffer): ChatRequest | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return isChatRequest(parsed) ? parsed : undefined;
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

function sendJson(res: http.ServerResponse, record: RecordedExchange, status: number, payload: object): void {
  if (res.headersSent) return void res.end();
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
  record.status = status;
  record.responseBytes = body.length;
  record.chunkCount = 1;
}

async function streamReply(res: http.ServerResponse, record: RecordedExchange, chunks: object[], delayMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  record.status = 200;
  for (const [index, event] of sseEvents(chunks).entries()) {
    if (index > 0 && delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return; // the client went away: stop quietly
    const bytes = Buffer.from(event, 'utf8');
    res.write(bytes);
    record.responseBytes += bytes.length;
    record.chunkCount += 1;
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

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
