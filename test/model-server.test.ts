import { afterEach, describe, expect, it } from 'vitest';
import { completionObject, sseEvents, streamChunks, usageFor, type ChatReply } from '../src/bench/model-server/openai-chat';
import { DEFAULT_QWEN_SCRIPT } from '../src/bench/model-server/default-scripts';
import { selectReply, withRequiredArguments, type ChatRequest, type Script } from '../src/bench/model-server/script';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';

const SHELL_TOOL = {
  type: 'function',
  function: {
    name: 'run_shell_command',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
};

function chatRequest(toolResults: number, extra: Partial<ChatRequest> = {}): ChatRequest {
  const messages: unknown[] = [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: 'Run two commands.' },
  ];
  for (let i = 0; i < toolResults; i++) {
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function' }] });
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: [{ type: 'text', text: `result ${i}` }] });
  }
  return { messages, tools: [SHELL_TOOL], stream: true, ...extra };
}

/** Parses an SSE body back into its `data:` payloads. */
function parseSse(body: string): { events: unknown[]; done: boolean; raw: string[] } {
  const raw = body.split('\n\n').filter(Boolean);
  const payloads = raw.map((event) => {
    expect(event.startsWith('data: ')).toBe(true);
    return event.slice('data: '.length);
  });
  const done = payloads[payloads.length - 1] === '[DONE]';
  const events = payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p) as unknown);
  return { events, done, raw };
}

type Chunk = {
  id: string;
  object: string;
  choices: Array<{ index: number; delta: any; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

describe('OpenAI chat SSE encoding', () => {
  const meta = { id: 'chatcmpl-mock-0', model: 'mock-model', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };

  it('encodes a tool call as opening delta, arguments delta, finish, usage, [DONE]', () => {
    const reply: ChatReply = { kind: 'tool_call', id: 'call_0', name: 'run_shell_command', argumentsJson: '{"command":"ls"}' };
    const { events, done, raw } = parseSse(sseEvents(streamChunks(reply, meta)).join(''));
    const chunks = events as Chunk[];
    expect(done).toBe(true);
    expect(raw).toHaveLength(5);
    expect(chunks.every((c) => c.id === 'chatcmpl-mock-0' && c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.tool_calls).toEqual([
      { index: 0, id: 'call_0', type: 'function', function: { name: 'run_shell_command', arguments: '' } },
    ]);
    expect(chunks[1]!.choices[0]!.delta.tool_calls).toEqual([{ index: 0, function: { arguments: '{"command":"ls"}' } }]);
    expect(chunks.slice(0, 2).map((c) => c.choices[0]!.finish_reason)).toEqual([null, null]);
    expect(chunks[2]!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks[3]!.choices).toEqual([]);
    expect(chunks[3]!.usage).toEqual(meta.usage);
  });

  it('encodes text as a content delta, stop, usage, [DONE]', () => {
    const { events, done } = parseSse(sseEvents(streamChunks({ kind: 'text', text: 'Done.' }, meta)).join(''));
    const chunks = events as Chunk[];
    expect(done).toBe(true);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: 'Done.' });
    expect(chunks[1]!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks[2]!.choices).toEqual([]);
  });

  it('encodes the non-stream form as one chat.completion', () => {
    const reply: ChatReply = { kind: 'tool_call', id: 'call_1', name: 'x', argumentsJson: '{}' };
    const body = completionObject(reply, meta) as any;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.choices[0].message.tool_calls[0]).toEqual({ id: 'call_1', type: 'function', function: { name: 'x', arguments: '{}' } });
    expect(body.usage).toEqual(meta.usage);
  });

  it('counts tokens as ceil(bytes / 4)', () => {
    expect(usageFor(9, { kind: 'text', text: 'héllo' })).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(usageFor(8, { kind: 'tool_call', id: 'c', name: 'ab', argumentsJson: '{}' })).toEqual({
      prompt_tokens: 2,
      completion_tokens: 1,
      total_tokens: 3,
    });
  });
});

describe('step selection', () => {
  it('picks the step from the number of tool results', () => {
    const picks = [0, 1, 2, 7].map((n) => selectReply(chatRequest(n), DEFAULT_QWEN_SCRIPT));
    expect(picks.map((p) => p.kind)).toEqual(['main', 'main', 'main', 'main']);
    expect(picks.map((p) => p.stepIndex)).toEqual([0, 1, 2, 7]);
    expect(picks[0]!.reply).toEqual({
      kind: 'tool_call',
      id: 'call_0',
      name: 'run_shell_command',
      argumentsJson: '{"command":"echo qwen-otel-one"}',
    });
    expect(picks[1]!.reply).toMatchObject({ kind: 'tool_call', id: 'call_1', argumentsJson: '{"command":"echo qwen-otel-two"}' });
    expect(picks[2]!.reply).toEqual({ kind: 'text', text: 'Done.' });
    expect(picks[3]!.reply).toEqual({ kind: 'text', text: 'Done.' });
  });

  it('falls back to a default text past a script without text', () => {
    const script: Script = [{ toolCall: { name: 'run_shell_command', arguments: { command: 'true' } } }];
    expect(selectReply(chatRequest(1), script).reply).toEqual({ kind: 'text', text: 'Done.' });
  });

  it('ends the turn when the scripted tool is not offered', () => {
    const script: Script = [{ toolCall: { name: 'missing_tool', arguments: {} } }, { text: 'Bye.' }];
    expect(selectReply(chatRequest(0), script).reply).toEqual({ kind: 'text', text: 'Bye.' });
  });

  it('fills required arguments the script left out', () => {
    const schema = {
      type: 'object',
      properties: { command: { type: 'string' }, description: { type: 'string' }, timeout: { type: 'number' } },
      required: ['command', 'description'],
    };
    expect(withRequiredArguments({ command: 'ls' }, schema)).toEqual({ command: 'ls', description: 'mock' });
  });

  it("answers Qwen's respond_in_schema side query with a schema-shaped object", () => {
    const nextSpeakerSchema = {
      type: 'object',
      properties: { reasoning: { type: 'string' }, next_speaker: { type: 'string', enum: ['user', 'model'] } },
      required: ['reasoning', 'next_speaker'],
    };
    const tools = [{ type: 'function', function: { name: 'respond_in_schema', parameters: nextSpeakerSchema } }];
    const pick = selectReply(chatRequest(1, { tools, stream: false }), DEFAULT_QWEN_SCRIPT);
    expect(pick.kind).toBe('json-side');
    expect(pick.reply.kind).toBe('tool_call');
    if (pick.reply.kind !== 'tool_call') return;
    expect(pick.reply.name).toBe('respond_in_schema');
    expect(JSON.parse(pick.reply.argumentsJson)).toEqual({ reasoning: 'mock', next_speaker: 'user' });
  });

  it('answers response_format requests with JSON text', () => {
    const format = {
      type: 'json_schema',
      json_schema: { name: 's', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
    };
    const pick = selectReply(chatRequest(0, { response_format: format }), DEFAULT_QWEN_SCRIPT);
    expect(pick).toMatchObject({ kind: 'json-side', reply: { kind: 'text', text: '{"ok":false}' } });
    const objectPick = selectReply(chatRequest(0, { response_format: { type: 'json_object' } }), DEFAULT_QWEN_SCRIPT);
    expect(objectPick.reply).toEqual({ kind: 'text', text: '{}' });
  });

  it('answers requests without tools with text, or {} when JSON is asked for', () => {
    const plain = selectReply({ messages: [{ role: 'user', content: 'Summarise.' }] }, DEFAULT_QWEN_SCRIPT);
    expect(plain).toMatchObject({ kind: 'plain-side', reply: { kind: 'text', text: 'Done.' } });
    const json = selectReply({ messages: [{ role: 'user', content: 'Reply in JSON only.' }], tools: [] }, DEFAULT_QWEN_SCRIPT);
    expect(json).toMatchObject({ kind: 'plain-side', reply: { kind: 'text', text: '{}' } });
  });
});

describe('model server over HTTP', () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function post(path: string, body: string): Promise<{ status: number; bytes: Buffer; type: string | null }> {
    const response = await fetch(`${server!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
  }

  it('streams the scripted tool call and records the exact byte sizes', async () => {
    server = await startModelServer();
    const body = JSON.stringify(chatRequest(1));
    const { status, bytes, type } = await post('/v1/chat/completions', body);
    expect(status).toBe(200);
    expect(type).toBe('text/event-stream');
    const { events, done, raw } = parseSse(bytes.toString('utf8'));
    expect(done).toBe(true);
    expect((events[0] as Chunk).choices[0]!.delta.tool_calls[0].function.name).toBe('run_shell_command');
    expect((events[events.length - 1] as Chunk).usage!.prompt_tokens).toBe(Math.ceil(Buffer.byteLength(body) / 4));
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      seq: 1,
      path: '/v1/chat/completions',
      status: 200,
      requestBytes: Buffer.byteLength(body),
      messageCount: 4,
      toolCount: 1,
      toolResultCount: 1,
      toolResultBytes: Buffer.byteLength('result 0'),
      requestKind: 'main',
      replyKind: 'tool_calls',
      toolCallNames: ['run_shell_command'],
      stream: true,
      responseBytes: bytes.length,
      chunkCount: raw.length,
    });
    expect(server.requests[0]!.endedAt).toBeGreaterThanOrEqual(server.requests[0]!.startedAt);
  });

  it('answers stream:false with one chat.completion JSON', async () => {
    server = await startModelServer();
    const { status, bytes } = await post('/v1/chat/completions', JSON.stringify(chatRequest(2, { stream: false })));
    expect(status).toBe(200);
    const completion = JSON.parse(bytes.toString('utf8'));
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe('Done.');
    expect(server.requests[0]).toMatchObject({ replyKind: 'text', stream: false, chunkCount: 1, responseBytes: bytes.length });
  });

  it('lists mock-model on GET /v1/models', async () => {
    server = await startModelServer();
    const response = await fetch(`${server.url}/v1/models`);
    expect(response.status).toBe(200);
    expect((await response.json()).data.map((m: { id: string }) => m.id)).toEqual(['mock-model']);
  });

  it('rejects malformed bodies with 400 and keeps serving', async () => {
    server = await startModelServer();
    const malformed = '{"messages": [';
    const broken = await post('/v1/chat/completions', malformed);
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.bytes.toString('utf8')).error.type).toBe('invalid_request_error');
    expect((await post('/v1/chat/completions', '{"model":"x"}')).status).toBe(400);
    expect((await post('/v1/chat/completions', JSON.stringify(chatRequest(0)))).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([400, 400, 200]);
    expect(server.requests[0]).toMatchObject({ requestBytes: malformed.length, replyKind: 'none', responseBytes: broken.bytes.length });
  });

  it('answers unknown paths with a 404 JSON error', async () => {
    server = await startModelServer();
    const missing = await post('/v1/embeddings', '{}');
    expect(missing.status).toBe(404);
    expect(missing.type).toBe('application/json');
    expect(JSON.parse(missing.bytes.toString('utf8')).error.message).toContain('/v1/embeddings');
    expect((await fetch(`${server.url}/v1/chat/completions`)).status).toBe(404);
  });

  it('serves concurrent sessions independently and spaces chunks by chunkDelayMs', async () => {
    server = await startModelServer({ chunkDelayMs: 20 });
    const started = performance.now();
    const replies = await Promise.all([0, 1, 2].map((n) => post('/v1/chat/completions', JSON.stringify(chatRequest(n)))));
    expect(performance.now() - started).toBeGreaterThanOrEqual(60);
    const firstDeltas = replies.map((r) => (parseSse(r.bytes.toString('utf8')).events[0] as Chunk).choices[0]!.delta);
    expect(firstDeltas[0].tool_calls[0].id).toBe('call_0');
    expect(firstDeltas[1].tool_calls[0].id).toBe('call_1');
    expect(firstDeltas[2].content).toBe('Done.');
    expect(server.requests.map((r) => r.toolResultCount).sort()).toEqual([0, 1, 2]);
  });
});
