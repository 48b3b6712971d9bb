import { afterEach, describe, expect, it } from 'vitest';
import { anthropicStreamEvents, anthropicMessage, anthropicWireRequest } from '../src/bench/model-server/anthropic';
import {
  DEFAULT_CLAUDE_SCRIPT,
  DEFAULT_CODEX_SCRIPT,
  DEFAULT_GEMINI_SCRIPT,
  DEFAULT_QWEN_SCRIPT,
  largeOutputScript,
} from '../src/bench/model-server/default-scripts';
import { geminiChunk, geminiWireRequest } from '../src/bench/model-server/gemini';
import { chatWireRequest } from '../src/bench/model-server/openai-chat-request';
import { responsesStreamEvents, responsesWireRequest } from '../src/bench/model-server/responses';
import { sampleFromSchema, selectStep } from '../src/bench/model-server/script';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import type { ReplyContext, ScriptedReply, WireFormat, WireRequest } from '../src/bench/model-server/wire';

// ---- requests in each format, carrying `results` tool results -------------------------------

const SHELL_SCHEMA = { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] };
const CODEX_SCHEMA = { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] };

function chatBody(results: number): object {
  const messages: unknown[] = [{ role: 'user', content: 'go' }];
  for (let i = 0; i < results; i++) {
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function' }] });
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: `out ${i}` });
  }
  return {
    model: 'mock-model',
    messages,
    stream: true,
    tools: [{ type: 'function', function: { name: 'run_shell_command', parameters: SHELL_SCHEMA } }],
  };
}

function anthropicBody(results: number): object {
  const messages: unknown[] = [{ role: 'user', content: [{ type: 'text', text: 'go' }] }];
  for (let i = 0; i < results; i++) {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: {} }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: `out ${i}` }] });
  }
  return {
    model: 'claude-sonnet-4-5',
    system: [{ type: 'text', text: 'sys' }],
    messages,
    stream: true,
    tools: [{ name: 'Bash', input_schema: SHELL_SCHEMA }],
  };
}

function responsesBody(results: number): object {
  const input: unknown[] = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] }];
  for (let i = 0; i < results; i++) {
    input.push({ type: 'function_call', call_id: `call_${i}`, name: 'exec_command', arguments: '{}' });
    input.push({ type: 'function_call_output', call_id: `call_${i}`, output: `out ${i}` });
  }
  return { model: 'mock-model', input, stream: true, tools: [{ type: 'function', name: 'exec_command', parameters: CODEX_SCHEMA }] };
}

function geminiBody(results: number): object {
  const contents: unknown[] = [{ role: 'user', parts: [{ text: 'go' }] }];
  for (let i = 0; i < results; i++) {
    contents.push({ role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: {} } }] });
    contents.push({ role: 'user', parts: [{ functionResponse: { name: 'run_shell_command', response: { output: `out ${i}` } } }] });
  }
  return { contents, tools: [{ functionDeclarations: [{ name: 'run_shell_command', parametersJsonSchema: SHELL_SCHEMA }] }] };
}

const GEMINI_STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';

const FORMATS: Array<{ format: WireFormat; path: string; body: (n: number) => object; tool: string }> = [
  { format: 'openai-chat', path: '/v1/chat/completions', body: chatBody, tool: 'run_shell_command' },
  { format: 'anthropic', path: '/v1/messages?beta=true', body: anthropicBody, tool: 'Bash' },
  { format: 'openai-responses', path: '/v1/responses', body: responsesBody, tool: 'exec_command' },
  { format: 'gemini', path: GEMINI_STREAM, body: geminiBody, tool: 'run_shell_command' },
];

// ---- SSE parsing ---------------------------------------------------------------------------

interface SseEvent {
  event: string | undefined;
  data: any;
}

/** Splits an SSE body into events (LF or CRLF line ends), parsing `data:` as JSON. */
function parseSse(body: string): SseEvent[] {
  return body
    .split(/\r?\n\r?\n/)
    .filter(Boolean)
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
      const data = lines.find((l) => l.startsWith('data: '))!.slice('data: '.length);
      return { event, data: data === '[DONE]' ? data : JSON.parse(data) };
    });
}

const context: ReplyContext = { stepIndex: 3, model: 'm-1', tokens: { prompt: 100, completion: 7 } };
const toolCall: ScriptedReply = { kind: 'tool_call', id: 'call_3', name: 'exec_command', argumentsJson: '{"cmd":"ls"}' };
const text: ScriptedReply = { kind: 'text', text: 'Done.' };

describe('Anthropic messages encoding', () => {
  it('streams a tool_use block in named events with stop_reason tool_use and usage', () => {
    const events = parseSse(anthropicStreamEvents({ ...toolCall, id: 'toolu_mock_3', name: 'Bash' }, context).join(''));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    const [start, blockStart, , delta, , messageDelta] = events.map((e) => e.data);
    expect(start.message).toMatchObject({ id: 'msg_mock_3', role: 'assistant', model: 'm-1', content: [], stop_reason: null });
    expect(start.message.usage).toMatchObject({ input_tokens: 100, output_tokens: 0 });
    expect(blockStart.content_block).toEqual({ type: 'tool_use', id: 'toolu_mock_3', name: 'Bash', input: {} });
    expect(delta.delta.type).toBe('input_json_delta');
    expect(JSON.parse(delta.delta.partial_json)).toEqual({ cmd: 'ls' });
    expect(messageDelta).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } });
  });

  it('streams text as a text block with text_delta and end_turn', () => {
    const events = parseSse(anthropicStreamEvents(text, context).join('')).map((e) => e.data);
    expect(events[1].content_block).toEqual({ type: 'text', text: '' });
    expect(events[3].delta).toEqual({ type: 'text_delta', text: 'Done.' });
    expect(events[5].delta.stop_reason).toBe('end_turn');
  });

  it('answers stream:false with one message object', () => {
    const message = anthropicMessage({ ...toolCall, name: 'Bash' }, context) as any;
    expect(message).toMatchObject({ type: 'message', stop_reason: 'tool_use', usage: { input_tokens: 100, output_tokens: 7 } });
    expect(message.content).toEqual([{ type: 'tool_use', id: 'call_3', name: 'Bash', input: { cmd: 'ls' } }]);
  });
});

describe('OpenAI responses encoding', () => {
  it('streams a function_call item between created and completed, with sequence numbers', () => {
    const events = parseSse(responsesStreamEvents(toolCall, context).join(''));
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    const done = events[5]!.data.item;
    expect(done).toEqual({
      type: 'function_call',
      id: 'fc_mock_3',
      call_id: 'call_3',
      name: 'exec_command',
      arguments: '{"cmd":"ls"}',
      status: 'completed',
    });
    expect(events[2]!.data.item).toMatchObject({ id: 'fc_mock_3', arguments: '', status: 'in_progress' });
    const completed = events[6]!.data.response;
    expect(completed).toMatchObject({ id: 'resp_mock_3', status: 'completed', model: 'm-1', output: [done] });
    expect(completed.usage).toMatchObject({ input_tokens: 100, output_tokens: 7, total_tokens: 107 });
  });

  it('streams text as a message item with output_text deltas', () => {
    const events = parseSse(responsesStreamEvents(text, context).join(''));
    expect(events.map((e) => e.event)).toContain('response.output_text.delta');
    const delta = events.find((e) => e.event === 'response.output_text.delta')!.data;
    expect(delta).toMatchObject({ item_id: 'msg_mock_3', output_index: 0, content_index: 0, delta: 'Done.' });
    const item = events.find((e) => e.event === 'response.output_item.done')!.data.item;
    expect(item).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] });
  });
});

describe('Gemini encoding', () => {
  it('puts a functionCall or text in candidates[0].content.parts with usageMetadata', () => {
    const call = geminiChunk({ ...toolCall, name: 'run_shell_command' }, context) as any;
    expect(call.candidates[0].content).toEqual({
      role: 'model',
      parts: [{ functionCall: { name: 'run_shell_command', args: { cmd: 'ls' } } }],
    });
    expect(call.candidates[0].finishReason).toBe('STOP');
    expect(call.usageMetadata).toEqual({ promptTokenCount: 100, candidatesTokenCount: 7, totalTokenCount: 107 });
    expect((geminiChunk(text, context) as any).candidates[0].content.parts).toEqual([{ text: 'Done.' }]);
  });
});

describe('side queries and schema samples', () => {
  it('samples Gemini-style upper-case types and anyOf', () => {
    const schema = {
      type: 'OBJECT',
      properties: { reasoning: { type: 'STRING' }, model_choice: { type: 'STRING', enum: ['flash', 'pro'] } },
      required: ['reasoning', 'model_choice'],
    };
    expect(sampleFromSchema(schema)).toEqual({ reasoning: 'mock', model_choice: 'flash' });
    expect(sampleFromSchema({ anyOf: [{ type: 'integer' }, { type: 'string' }] })).toBe(0);
  });
});

// ---- over HTTP -----------------------------------------------------------------------------

describe('model server over HTTP, every format', () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function send(path: string, body?: string, method = 'POST'): Promise<{ status: number; bytes: Buffer; type: string | null }> {
    const init: RequestInit = body === undefined ? { method } : { method, body, headers: { 'content-type': 'application/json' } };
    const response = await fetch(`${server!.url}${path}`, init);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
  }

  /** The tool name (or final text) each step gets, the record's counts and exact sizes. */
  it.each(FORMATS)('$format: steps 0,1,2 follow the default script and sizes match the wire', async ({ format, path, body, tool }) => {
    server = await startModelServer();
    const replies: string[] = [];
    for (const results of [0, 1, 2]) {
      const sent = JSON.stringify(body(results));
      const { status, bytes, type } = await send(path, sent);
      expect(status).toBe(200);
      expect(type).toBe('text/event-stream');
      replies.push(bytes.toString('utf8'));
      const record = server.requests[results]!;
      expect(record).toMatchObject({
        format,
        requestBytes: Buffer.byteLength(sent),
        responseBytes: bytes.length,
        chunkCount: parseSse(bytes.toString('utf8')).length,
        toolCount: 1,
        toolResultCount: results,
        toolResultBytes: format === 'gemini' ? results * JSON.stringify({ output: 'out 0' }).length : results * 'out 0'.length,
        requestKind: 'main',
        stream: true,
        status: 200,
      });
      expect(record.firstByteAt).toBeGreaterThanOrEqual(record.startedAt);
    }
    expect(server.requests.map((r) => r.toolCallNames)).toEqual([[tool], [tool], []]);
    expect(replies[0]).toContain('qwen-otel-one');
    expect(replies[1]).toContain('qwen-otel-two');
    expect(replies[2]).toContain('Done.');
  });

  it('reports usage as ceil(bytes / 4) in each format', async () => {
    server = await startModelServer();
    const anthropic = JSON.stringify({ ...anthropicBody(0), stream: false });
    const message = JSON.parse((await send('/v1/messages', anthropic)).bytes.toString('utf8'));
    expect(message.usage.input_tokens).toBe(Math.ceil(Buffer.byteLength(anthropic) / 4));
    const argsJson = JSON.stringify({ command: 'echo qwen-otel-one', description: 'Print marker 1' });
    expect(message.usage.output_tokens).toBe(Math.ceil(Buffer.byteLength(`Bash${argsJson}`) / 4));
    const responses = JSON.stringify({ ...responsesBody(2), stream: false });
    const response = JSON.parse((await send('/v1/responses', responses)).bytes.toString('utf8'));
    expect(response.usage).toMatchObject({ input_tokens: Math.ceil(Buffer.byteLength(responses) / 4), output_tokens: 2 });
    expect(response.output[0].content[0].text).toBe('Done.');
  });

  it('answers Gemini generateContent with one JSON and streamGenerateContent without alt=sse with an array', async () => {
    server = await startModelServer();
    const sent = JSON.stringify(geminiBody(0));
    const single = JSON.parse((await send('/v1beta/models/g:generateContent', sent)).bytes.toString('utf8'));
    expect(single.candidates[0].content.parts[0].functionCall.name).toBe('run_shell_command');
    expect(single.usageMetadata.promptTokenCount).toBe(Math.ceil(Buffer.byteLength(sent) / 4));
    expect(single.modelVersion).toBe('g');
    const array = JSON.parse((await send('/v1beta/models/g:streamGenerateContent', sent)).bytes.toString('utf8'));
    expect(Array.isArray(array) && array[0].candidates[0].content.parts[0].functionCall.name).toBe('run_shell_command');
    expect(server.requests.map((r) => [r.stream, r.chunkCount])).toEqual([
      [false, 1],
      [true, 1],
    ]);
  });

  it('answers side queries without moving the main step', async () => {
    server = await startModelServer();
    const title = {
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'go' }],
      tools: [],
      stream: false,
      output_config: {
        format: { type: 'json_schema', schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } },
      },
    };
    const titleReply = JSON.parse((await send('/v1/messages', JSON.stringify(title))).bytes.toString('utf8'));
    expect(JSON.parse(titleReply.content[0].text)).toEqual({ title: 'mock' });
    const quota = { model: 'claude-haiku-4-5', max_tokens: 1, messages: [{ role: 'user', content: 'quota' }] };
    expect(JSON.parse((await send('/v1/messages', JSON.stringify(quota))).bytes.toString('utf8')).content[0].text).toBe('Done.');
    const classifier = {
      contents: [{ role: 'user', parts: [{ text: 'route' }] }],
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'object',
          properties: { model_choice: { type: 'string', enum: ['flash', 'pro'] } },
          required: ['model_choice'],
        },
      },
    };
    const routed = JSON.parse((await send('/v1beta/models/flash-lite:generateContent', JSON.stringify(classifier))).bytes.toString('utf8'));
    expect(JSON.parse(routed.candidates[0].content.parts[0].text)).toEqual({ model_choice: 'flash' });
    const structured = {
      input: 'x',
      text: {
        format: { type: 'json_schema', name: 's', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
      },
    };
    expect(JSON.parse((await send('/v1/responses', JSON.stringify(structured))).bytes.toString('utf8')).output[0].content[0].text).toBe(
      '{"ok":false}',
    );
    expect(server.requests.map((r) => r.requestKind)).toEqual(['json-side', 'plain-side', 'json-side', 'json-side']);
    const main = JSON.parse((await send('/v1/messages', JSON.stringify({ ...anthropicBody(0), stream: false }))).bytes.toString('utf8'));
    expect(main.content[0]).toMatchObject({ type: 'tool_use', name: 'Bash', id: 'toolu_mock_0' });
  });

  it('takes one script for every format, or one per format', async () => {
    server = await startModelServer({
      script: [{ text: 'All.' }],
      scripts: { gemini: [{ toolCall: { name: 'run_shell_command', arguments: { command: 'pwd' } } }, { text: 'Gem.' }] },
    });
    expect((await send('/v1/responses', JSON.stringify(responsesBody(0)))).bytes.toString('utf8')).toContain('"delta":"All."');
    expect((await send(GEMINI_STREAM, JSON.stringify(geminiBody(0)))).bytes.toString('utf8')).toContain('"command":"pwd"');
    expect((await send(GEMINI_STREAM, JSON.stringify(geminiBody(1)))).bytes.toString('utf8')).toContain('Gem.');
  });

  it("rejects malformed bodies with 400 in the format's error shape and keeps serving", async () => {
    server = await startModelServer();
    const paths = ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1beta/models/g:generateContent', GEMINI_STREAM];
    for (const path of paths) {
      for (const body of ['{"messages": [', '{}', '[]', 'null', '']) {
        const { status, bytes, type } = await send(path, body);
        expect(status, `${path} ${body}`).toBe(400);
        expect(type).toBe('application/json');
        expect(JSON.parse(bytes.toString('utf8')).error.message).toEqual(expect.any(String));
      }
    }
    expect(server.requests.every((r) => r.status === 400 && r.replyKind === 'none')).toBe(true);
    expect(server.requests[0]).toMatchObject({ requestBytes: '{"messages": ['.length, format: 'openai-chat' });
    expect((await send('/v1/messages', JSON.stringify(anthropicBody(0)))).status).toBe(200);
  });

  it('answers odd but well-formed bodies without failing', async () => {
    server = await startModelServer();
    const odd: Array<[string, object]> = [
      ['/v1/chat/completions', { messages: [null, 1, 'x', { role: 'tool', content: { a: 1 } }], tools: [null, { function: null }] }],
      [
        '/v1/messages',
        { messages: [{ content: [null, { type: 'tool_result', content: [null] }] }], tools: [null, { name: 'x', input_schema: [] }] },
      ],
      ['/v1/responses', { input: [null, { type: 'function_call_output', output: null }], tools: [1], text: { format: null } }],
      [
        GEMINI_STREAM,
        {
          contents: [null, { parts: [null, { functionResponse: null }] }],
          tools: [{ functionDeclarations: [null, { name: 5 }] }],
          generationConfig: { responseSchema: [] },
        },
      ],
    ];
    for (const [path, body] of odd) expect((await send(path, JSON.stringify(body))).status, path).toBe(200);
    expect(server.requests.map((r) => r.toolResultCount)).toEqual([1, 1, 1, 0]);
  });

  it('answers unknown paths with 404 and the probes and counters the CLIs call', async () => {
    server = await startModelServer();
    for (const [method, path] of [
      ['POST', '/v1/embeddings'],
      ['GET', '/v1/messages'],
      ['POST', '/v1beta/models/g:embedContent'],
      ['DELETE', '/'],
    ]) {
      const { status, bytes } = await send(path!, method === 'POST' ? '{}' : undefined, method);
      expect(status, `${method} ${path}`).toBe(404);
      expect(JSON.parse(bytes.toString('utf8')).error.message).toContain(path);
    }
    expect((await send('/', undefined, 'HEAD')).status).toBe(200);
    const counted = JSON.stringify(anthropicBody(0));
    expect(JSON.parse((await send('/v1/messages/count_tokens?beta=true', counted)).bytes.toString('utf8'))).toEqual({
      input_tokens: Math.ceil(Buffer.byteLength(counted) / 4),
    });
    expect(JSON.parse((await send('/v1beta/models/g:countTokens', '{"contents":[]}')).bytes.toString('utf8'))).toEqual({ totalTokens: 4 });
    expect(JSON.parse((await send('/v1beta/models/gemini-2.5-flash', undefined, 'GET')).bytes.toString('utf8')).name).toBe(
      'models/gemini-2.5-flash',
    );
    expect((await send('/v1beta/models', undefined, 'GET')).status).toBe(200);
  });

  it('gives each CLI its own shell tool and arguments by default', () => {
    const firstCall = (script: typeof DEFAULT_QWEN_SCRIPT) => ('toolCall' in script[0]! ? script[0].toolCall : undefined);
    expect(firstCall(DEFAULT_QWEN_SCRIPT)).toEqual({ name: 'run_shell_command', arguments: { command: 'echo qwen-otel-one' } });
    expect(firstCall(DEFAULT_CLAUDE_SCRIPT)).toEqual({
      name: 'Bash',
      arguments: { command: 'echo qwen-otel-one', description: 'Print marker 1' },
    });
    expect(firstCall(DEFAULT_CODEX_SCRIPT)).toEqual({ name: 'exec_command', arguments: { cmd: 'echo qwen-otel-one' } });
    expect(firstCall(DEFAULT_GEMINI_SCRIPT)).toEqual({ name: 'run_shell_command', arguments: { command: 'echo qwen-otel-one' } });
    for (const script of [DEFAULT_QWEN_SCRIPT, DEFAULT_CLAUDE_SCRIPT, DEFAULT_CODEX_SCRIPT, DEFAULT_GEMINI_SCRIPT]) {
      expect(script).toHaveLength(3);
      expect(script[2]).toEqual({ text: 'Done.' });
    }
  });
});

describe('a read-back step: the saved path from the newest notice', () => {
  const QWEN_PATH = '/home/u/.qwen/tmp/ddd29cb6/run_shell_command_1.output';
  const notices: Record<Exclude<WireFormat, 'openai-responses'>, { text: string; path: string }> = {
    'openai-chat': {
      text: `Tool output was too large and has been truncated.\nThe full output has been saved to: ${QWEN_PATH}\nTo read`,
      path: QWEN_PATH,
    },
    anthropic: {
      text: '<persisted-output>\nOutput too large (5MB). Full output saved to: /h/.claude/projects/-w/s/tool-results/b.txt\n\nPreview',
      path: '/h/.claude/projects/-w/s/tool-results/b.txt',
    },
    gemini: {
      text: 'Output too large. Showing first 8,000 and last 32,000 characters. For full output see: /h/.gemini/tmp/w/tool-outputs/s/r_0.txt\n<untrusted_context>',
      path: '/h/.gemini/tmp/w/tool-outputs/s/r_0.txt',
    },
  };
  const requestWith = (format: WireFormat, result: string): WireRequest => {
    const shell = { name: format === 'anthropic' ? 'Bash' : 'run_shell_command', schema: SHELL_SCHEMA };
    if (format === 'openai-chat')
      return chatWireRequest({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'tool', content: [{ type: 'text', text: result }] },
        ],
        tools: [{ type: 'function', function: { name: shell.name, parameters: shell.schema } }],
      });
    if (format === 'anthropic')
      return anthropicWireRequest({
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: result }] }],
        tools: [{ name: shell.name, input_schema: shell.schema }],
      })!;
    if (format === 'gemini')
      return geminiWireRequest(
        {
          contents: [{ role: 'user', parts: [{ functionResponse: { name: shell.name, response: { output: result } } }] }],
          tools: [{ functionDeclarations: [{ name: shell.name, parameters: shell.schema }] }],
        },
        new URL('http://h/v1beta/models/gemini-2.5-flash:streamGenerateContent'),
      )!;
    return responsesWireRequest({
      input: [{ type: 'function_call_output', call_id: 'c', output: result }],
      tools: [{ type: 'function', name: 'exec_command', parameters: CODEX_SCHEMA }],
    })!;
  };

  it.each(Object.keys(notices) as Array<keyof typeof notices>)(
    '%s: the step reads the saved path back; without a notice it ends the turn',
    (format) => {
      const script = largeOutputScript(format, 300_000, { readBack: true });
      const { text, path } = notices[format];
      const reply = selectStep(requestWith(format, text), script).reply;
      expect(reply.kind === 'tool_call' && JSON.parse(reply.argumentsJson)).toMatchObject({ command: `head -c 2000 ${path}` });
      expect(selectStep(requestWith(format, 'plain output'), script).reply).toEqual({ kind: 'text', text: 'Done.' });
    },
  );

  it('Codex saves nothing: its cut result names no path and the step ends the turn', () => {
    const cut = 'Chunk ID: 1\nOutput:\nWarning: truncated output (original token count: 75000)\n';
    const request = requestWith('openai-responses', cut);
    expect(request.savedOutputPath).toBeUndefined();
    expect(selectStep(request, largeOutputScript('openai-responses', 300_000, { readBack: true })).reply.kind).toBe('text');
  });
});
