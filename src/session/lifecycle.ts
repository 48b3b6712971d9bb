// Automatic lifecycle spans from model traffic, for an unmodified CLI: startup, request assembly,
// `chat {model}` with its first chunk, `execute_tool {name}` for each tool the model asked for,
// compression when the history shrinks between two requests, and the final response.
import type { Attributes, ModelRequestMessage, ModelResponseMessage, SpanMemory } from '../channel/protocol';
import type { RequestFigures, WireFormat } from '../traffic/types';
import type { ProcessEntry } from './process-table';
import type { SpanBook } from './spans';
import { PROVIDERS } from './traffic-accounting';

export interface OpenRequest {
  t: number;
  mem: SpanMemory;
  figures: RequestFigures | null;
  format: WireFormat;
}

/** Per process: where its conversation stands. */
interface Conversation {
  requests: number;
  open: Map<number, OpenRequest>;
  lastResponse: LastResponse | null;
  /**
   * The turn between a response and the next request, spanned only once the hooks that fired in
   * it have surely been read (their lines come from other processes, maybe a poll later): at the
   * next response, or when the process ends.
   */
  unsettled: { last: LastResponse; request: { t: number; mem: SpanMemory } } | null;
  lastRequest: RequestFigures | null;
  /** From the CLI's own hooks, when configured: tool runs and subagents as the CLI saw them. */
  toolStarts: number[];
  toolRuns: Array<[number, number]>;
  subagentStarts: number[];
}

interface LastResponse {
  t: number;
  requestT: number;
  mem: SpanMemory;
  toolNames: string[];
}

export interface LifecycleHooks {
  /** When the tools asked for by a response were done: the end of the tool processes this CLI process started in between, if any. */
  toolsEndedAt(entry: ProcessEntry, from: number, to: number): number | null;
  onCompression(before: RequestFigures, after: RequestFigures): void;
  onSubagent(): void;
}

export class Lifecycle {
  private readonly conversations = new Map<number, Conversation>();

  constructor(
    private readonly spans: SpanBook,
    private readonly hooks: LifecycleHooks,
  ) {}

  onRequest(entry: ProcessEntry, m: ModelRequestMessage): void {
    const c = this.conversation(entry.pid);
    c.requests += 1;
    c.open.set(m.id, { t: m.t, mem: m.mem, figures: m.figures, format: m.format });
    this.settle(entry);
    if (c.requests === 1) this.span(entry, 'startup', entry.hello?.origin ?? entry.firstSeen, m.t, firstMemory(entry), m.mem, {});
    else if (c.lastResponse) c.unsettled = { last: c.lastResponse, request: { t: m.t, mem: m.mem } };
    if (c.lastRequest && m.figures && shrank(c.lastRequest, m.figures)) {
      this.span(entry, 'compression', c.lastResponse?.t ?? m.t, m.t, c.lastResponse?.mem ?? null, m.mem, {
        'qwen_otel.history.bytes.before': c.lastRequest.historyBytes,
        'qwen_otel.history.bytes.after': m.figures.historyBytes,
        'qwen_otel.history.items.before': c.lastRequest.messageCount,
        'qwen_otel.history.items.after': m.figures.messageCount,
      });
      this.hooks.onCompression(c.lastRequest, m.figures);
    }
    if (m.figures) c.lastRequest = m.figures;
  }

  /** The request this response answers, or null for one never seen asked. */
  onResponse(entry: ProcessEntry, m: ModelResponseMessage): OpenRequest | null {
    const c = this.conversation(entry.pid);
    const request = c.open.get(m.id);
    if (!request) return null;
    c.open.delete(m.id);
    this.settle(entry);
    const f = m.figures;
    const model = request.figures?.model ?? null;
    const chatId = this.spans.newSpanId();
    const events = m.firstChunkAt === null ? [] : [{ name: 'gen_ai.first_chunk', t: m.firstChunkAt }];
    this.span(entry, `chat ${model ?? request.format}`, request.t, m.t, request.mem, m.mem, chatAttributes(request, m), chatId, events);
    const toolNames = f?.toolNames ?? [];
    if (f && !m.error && f.toolCalls === 0) {
      this.span(
        entry,
        'final_response',
        m.firstChunkAt ?? request.t,
        m.t,
        null,
        m.mem,
        { 'gen_ai.response.finish_reasons': f.finishReason ?? 'unknown' },
        undefined,
        [],
        chatId,
      );
    }
    c.lastResponse = { t: m.t, requestT: request.t, mem: m.mem, toolNames };
    return request;
  }

  /** A hook of the CLI: sharper tool boundaries, and subagents (Claude Code and Qwen Code have them). */
  onHook(entry: ProcessEntry, event: string, t: number): void {
    const c = this.conversation(entry.pid);
    if (event === 'PreToolUse') c.toolStarts.push(t);
    else if ((event === 'PostToolUse' || event === 'PostToolUseFailure') && c.toolStarts.length > 0)
      c.toolRuns.push([c.toolStarts.shift() as number, t]);
    else if (event === 'SubagentStart') c.subagentStarts.push(t);
    else if (event === 'SubagentStop' && c.subagentStarts.length > 0) {
      this.span(entry, 'invoke_agent', c.subagentStarts.shift() as number, t, null, null, {
        'gen_ai.operation.name': 'invoke_agent',
        'qwen_otel.source': 'hook',
      });
      this.hooks.onSubagent();
    }
  }

  /** Spans the turn left unsettled: its tools (from hooks when they fired) and the request's assembly. */
  settle(entry: ProcessEntry): void {
    const c = this.conversations.get(entry.pid);
    const turn = c?.unsettled;
    if (!c || !turn) return;
    c.unsettled = null;
    const { last, request } = turn;
    let assemblyStart = last.t;
    if (last.toolNames.length > 0) {
      const toolEnd = Math.min(this.hooks.toolsEndedAt(entry, last.t, request.t) ?? request.t, request.t);
      // A CLI may start a tool as soon as its call has streamed in, before the response ends.
      // Hooks of later turns may have been read already: they stay for their turn.
      const inTurn = ([start]: [number, number]): boolean => start >= last.requestT && start <= request.t;
      const runs = c.toolRuns.filter(inTurn);
      c.toolRuns = c.toolRuns.filter(([start]) => start > request.t);
      last.toolNames.forEach((name, i) => {
        // The CLI's own hooks, when they fired, say exactly when each tool ran.
        const [start, end] = runs[i] ?? [last.t, toolEnd];
        this.span(entry, `execute_tool ${name}`, start, end, start === last.t ? last.mem : null, end === request.t ? request.mem : null, {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': name,
          'qwen_otel.source': runs[i] ? 'hook' : 'traffic',
        });
        assemblyStart = Math.max(assemblyStart, end);
      });
    }
    this.span(entry, 'request_assembly', assemblyStart, request.t, null, request.mem, {});
  }

  private span(
    entry: ProcessEntry,
    name: string,
    start: number,
    end: number,
    first: SpanMemory | null,
    last: SpanMemory | null,
    attributes: Attributes,
    spanId = this.spans.newSpanId(),
    events: Array<{ name: string; t: number }> = [],
    parentSpanId = entry.spanId,
  ): void {
    this.spans.closeAt({ spanId, parentSpanId, name, start: Math.min(start, end), attributes, events }, end, first, last);
  }

  private conversation(pid: number): Conversation {
    let c = this.conversations.get(pid);
    if (!c) {
      c = {
        requests: 0,
        open: new Map(),
        lastResponse: null,
        unsettled: null,
        lastRequest: null,
        toolStarts: [],
        toolRuns: [],
        subagentStarts: [],
      };
      this.conversations.set(pid, c);
    }
    return c;
  }
}

/** History shrank between two consecutive requests of one conversation: a compression. */
function shrank(before: RequestFigures, after: RequestFigures): boolean {
  return after.messageCount < before.messageCount && after.historyBytes < before.historyBytes;
}

function firstMemory(entry: ProcessEntry): SpanMemory | null {
  return entry.firstRss === null ? null : { rss: entry.firstRss, heapUsed: entry.firstHeapUsed ?? 0 };
}

function chatAttributes(request: OpenRequest, m: ModelResponseMessage): Attributes {
  const attributes: Attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': PROVIDERS[request.format] };
  const r = request.figures;
  if (r) {
    if (r.model) attributes['gen_ai.request.model'] = r.model;
    Object.assign(attributes, {
      'qwen_otel.request.bytes': r.totalBytes,
      'qwen_otel.request.system.bytes': r.systemBytes,
      'qwen_otel.request.tools.bytes': r.toolSchemaBytes,
      'qwen_otel.request.tools.count': r.toolSchemaCount,
      'qwen_otel.request.history.bytes': r.historyBytes,
      'qwen_otel.request.messages': r.messageCount,
      'qwen_otel.request.tool_results.count': r.toolResultCount,
      'qwen_otel.request.tool_results.bytes': r.toolResultBytes,
    });
  }
  const f = m.figures;
  if (f) {
    if (f.inputTokens !== null) attributes['gen_ai.usage.input_tokens'] = f.inputTokens;
    if (f.outputTokens !== null) attributes['gen_ai.usage.output_tokens'] = f.outputTokens;
    if (f.finishReason) attributes['gen_ai.response.finish_reasons'] = f.finishReason;
    Object.assign(attributes, { 'qwen_otel.response.bytes': f.bytes, 'qwen_otel.response.tool_calls': f.toolCalls });
  }
  if (m.status !== null) attributes['http.response.status_code'] = m.status;
  if (m.error) attributes['error.type'] = m.error;
  return attributes;
}
