// The automatic lifecycle spans, from a scripted exchange of traffic messages (and hooks).
import { describe, expect, it } from 'vitest';
import type { ModelRequestMessage, ModelResponseMessage } from '../src/channel/protocol';
import { Lifecycle } from '../src/session/lifecycle';
import type { ProcessEntry } from '../src/session/process-table';
import { SpanBook, type SpanRecord } from '../src/session/spans';
import type { RequestFigures, ResponseFigures } from '../src/traffic/types';

const MEM = { rss: 100, heapUsed: 50 };

function request(id: number, t: number, messageCount: number, historyBytes: number): ModelRequestMessage {
  const figures: RequestFigures = {
    format: 'openai-chat',
    model: 'm1',
    stream: true,
    totalBytes: historyBytes + 300,
    systemBytes: 100,
    toolSchemaCount: 1,
    toolSchemaBytes: 200,
    historyBytes,
    messageCount,
    toolResultCount: 0,
    toolResultBytes: 0,
    toolResultLargest: 0,
  } as RequestFigures;
  return { k: 'model_request', id, t, format: 'openai-chat', figures, mem: MEM };
}

function response(id: number, t: number, toolNames: string[]): ModelResponseMessage {
  const figures: ResponseFigures = {
    inputTokens: 10,
    outputTokens: 2,
    cachedTokens: null,
    toolCalls: toolNames.length,
    toolNames,
    finishReason: toolNames.length ? 'tool_calls' : 'stop',
    bytes: 500,
    events: 5,
    unparsed: false,
  };
  return { k: 'model_response', id, t, firstChunkAt: t - 5, status: 200, figures, error: null, mem: MEM };
}

function setup(toolsEndedAt: number | null = null): {
  lifecycle: Lifecycle;
  entry: ProcessEntry;
  spans: () => SpanRecord[];
  compressions: number[];
} {
  let next = 0;
  const book = new SpanBook(
    () => {
      next += 1;
      return `s${next}`;
    },
    0,
    {},
  );
  const compressions: number[] = [];
  const lifecycle = new Lifecycle(book, {
    toolsEndedAt: () => toolsEndedAt,
    onCompression: (b) => compressions.push(b.messageCount),
    onSubagent: () => undefined,
  });
  const entry = { pid: 7, spanId: 'proc', hello: { origin: 0 }, firstSeen: 0, firstRss: 90, firstHeapUsed: 40 } as unknown as ProcessEntry;
  return { lifecycle, entry, spans: () => book.takeFinished(() => 1000), compressions };
}

const named = (spans: SpanRecord[]): Array<[string, number, number | null]> => spans.map((s) => [s.name, s.start, s.end]);

describe('lifecycle spans from traffic', () => {
  it('startup, chat with its first chunk, tools inferred, request assembly, final response', () => {
    const { lifecycle, entry, spans } = setup(150);
    lifecycle.onRequest(entry, request(1, 100, 2, 1000));
    lifecycle.onResponse(entry, response(1, 120, ['run_shell_command']));
    lifecycle.onRequest(entry, request(2, 200, 4, 3000));
    lifecycle.onResponse(entry, response(2, 230, []));
    const all = spans();
    expect(named(all)).toEqual([
      ['startup', 0, 100],
      ['chat m1', 100, 120],
      ['execute_tool run_shell_command', 120, 150],
      ['request_assembly', 150, 200],
      ['chat m1', 200, 230],
      ['final_response', 225, 230],
    ]);
    const chat = all[1];
    expect(chat.events).toEqual([{ name: 'gen_ai.first_chunk', t: 115 }]);
    expect(chat.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 10,
      'qwen_otel.request.messages': 2,
      'qwen_otel.memory.tree_rss.end': 1000,
    });
    expect(all[5].parentSpanId, 'the final response sits under its chat').toBe(all[4].spanId);
    expect(chat.parentSpanId).toBe('proc');
  });

  it('a history that shrinks between two requests is a compression', () => {
    const { lifecycle, entry, spans, compressions } = setup();
    lifecycle.onRequest(entry, request(1, 100, 10, 9000));
    lifecycle.onResponse(entry, response(1, 120, []));
    lifecycle.onRequest(entry, request(2, 200, 3, 2000));
    const compression = spans().find((s) => s.name === 'compression');
    expect(compression).toMatchObject({
      start: 120,
      end: 200,
      attributes: { 'qwen_otel.history.items.before': 10, 'qwen_otel.history.items.after': 3 },
    });
    expect(compressions).toEqual([10]);
  });

  it('tools from hooks, even when the hooks of a later turn are read first', () => {
    const { lifecycle, entry, spans } = setup();
    lifecycle.onRequest(entry, request(1, 100, 2, 1000));
    lifecycle.onResponse(entry, response(1, 120, ['Bash']));
    // All four hook lines arrive in one poll, before the second request is read.
    for (const [event, t] of [
      ['PreToolUse', 115],
      ['PostToolUse', 160],
      ['PreToolUse', 215],
      ['PostToolUse', 260],
    ] as const)
      lifecycle.onHook(entry, event, t);
    lifecycle.onRequest(entry, request(2, 200, 4, 3000));
    lifecycle.onResponse(entry, response(2, 210, ['Bash']));
    lifecycle.onRequest(entry, request(3, 300, 6, 5000));
    lifecycle.settle(entry);
    const tools = spans().filter((s) => s.name.startsWith('execute_tool'));
    expect(tools.map((s) => [s.start, s.end, s.attributes['qwen_otel.source']])).toEqual([
      [115, 160, 'hook'],
      [215, 260, 'hook'],
    ]);
  });

  it('subagents from hooks become invoke_agent spans', () => {
    const { lifecycle, entry, spans } = setup();
    lifecycle.onHook(entry, 'SubagentStart', 10);
    lifecycle.onHook(entry, 'SubagentStop', 90);
    expect(named(spans())).toEqual([['invoke_agent', 10, 90]]);
  });
});
