/** What the server keeps of each HTTP exchange: sizes and counts only, never any text. */
import type http from 'node:http';
import type { RequestKind, Selection } from './script';
import type { WireFormat, WireRequest } from './wire';

export interface RecordedExchange {
  /** 1-based, in order of arrival. */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Wire format of the route ('none' for routes outside the four model APIs). */
  format: WireFormat | 'none';
  status: number;
  /** Bytes of the request body as received. */
  requestBytes: number;
  /** Conversation items: messages, input items or contents. */
  messageCount: number;
  /** Tool definitions offered. */
  toolCount: number;
  /** Bytes of the `tools` value as JSON (the tool schemas offered). */
  toolSchemaBytes: number;
  /** Tool results in the history; also the script step the request was given. */
  toolResultCount: number;
  /** UTF-8 bytes of the text of those tool results (Gemini: their `response` objects as JSON). */
  toolResultBytes: number;
  requestKind: RequestKind | 'none';
  /** 'none' for anything that is not a model reply (errors, model lists, token counts). */
  replyKind: 'tool_calls' | 'text' | 'none';
  toolCallNames: string[];
  /** The token usage the reply reported (the one documented rule), 0 when there was no reply. */
  promptTokens: number;
  completionTokens: number;
  stream: boolean;
  /** Bytes of the response body as sent. */
  responseBytes: number;
  /** SSE events sent (`data: [DONE]` included); 1 for a JSON body, 0 for none. */
  chunkCount: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** First response byte written; 0 when nothing was written. */
  firstByteAt: number;
  endedAt: number;
}

export function newRecord(seq: number, req: http.IncomingMessage): RecordedExchange {
  return {
    seq,
    method: req.method ?? '',
    path: (req.url ?? '/').split('?')[0] ?? '/',
    format: 'none',
    status: 0,
    requestBytes: 0,
    messageCount: 0,
    toolCount: 0,
    toolSchemaBytes: 0,
    toolResultCount: 0,
    toolResultBytes: 0,
    requestKind: 'none',
    replyKind: 'none',
    toolCallNames: [],
    promptTokens: 0,
    completionTokens: 0,
    stream: false,
    responseBytes: 0,
    chunkCount: 0,
    startedAt: nowMs(),
    firstByteAt: 0,
    endedAt: 0,
  };
}

export function describeRequest(record: RecordedExchange, request: WireRequest, selection: Selection): void {
  const { reply } = selection;
  record.format = request.format;
  record.messageCount = request.messageCount;
  record.toolCount = request.toolCount;
  record.toolSchemaBytes = request.toolSchemaBytes;
  record.toolResultCount = request.toolResultCount;
  record.toolResultBytes = request.toolResultBytes;
  record.requestKind = selection.kind;
  record.replyKind = reply.kind === 'tool_call' ? 'tool_calls' : 'text';
  record.toolCallNames = reply.kind === 'tool_call' ? [reply.name] : [];
  record.stream = request.stream;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
