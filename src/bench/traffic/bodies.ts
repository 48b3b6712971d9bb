/**
 * Synthetic model requests, one per wire format, shaped like a coding CLI's: a long system prompt,
 * a dozen tool schemas, a short conversation and one large tool result (many lines, some
 * non-ASCII, quotes and backslashes). Each is assembled from separately serialized pieces, so the
 * figures a parser should find are known from the construction, not from a parser.
 */
import type { RequestFigures, WireFormat } from '../../traffic/types';

export const MiB = 1024 * 1024;

export interface SyntheticRequest {
  format: WireFormat;
  url: URL;
  body: string;
  expected: RequestFigures;
}

const LINE = 'drwxr-xr-x 2 user group 4096 Jan 01 00:00 "build\\out" — café, 東京, 🚀 done\tok';

/** About `bytes` UTF-8 bytes of tool output: numbered lines, with some non-ASCII and escapes. */
export function toolOutputText(bytes: number): string {
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const line = `${i} ${LINE}`;
    lines.push(line);
    total += Buffer.byteLength(line) + 1;
  }
  return lines.join('\n');
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const SYSTEM_TEXT = toolOutputText(40 * 1024).replace(/\t/g, ' ');

function schema(index: number): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      command: { type: 'string', description: `The command to run (tool ${index}). ${'Explain what it does. '.repeat(40)}` },
      timeout: { type: 'number', description: 'Milliseconds before it is stopped.' },
    },
    required: ['command'],
  };
}

const TOOL_COUNT = 12;
const toolIndexes = Array.from({ length: TOOL_COUNT }, (_, i) => i);

/** Joins `"key":json` members into an object text; `parts` map keys to already-serialized JSON. */
function objectText(parts: Array<[string, string]>): string {
  return `{${parts.map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
}

interface Assembly {
  members: Array<[string, string]>;
  system: string[];
  history: string[];
  tools: string;
  toolSchemaCount: number;
  toolResults: number[];
  /** Conversation items, system ones included. */
  messageCount: number;
  model: string | null;
  stream: boolean;
}

function figuresOf(format: WireFormat, body: string, a: Assembly): RequestFigures {
  return {
    format,
    model: a.model,
    stream: a.stream,
    totalBytes: utf8(body),
    systemBytes: a.system.reduce((sum, part) => sum + utf8(part), 0),
    toolSchemaCount: a.toolSchemaCount,
    toolSchemaBytes: utf8(a.tools),
    historyBytes: a.history.reduce((sum, part) => sum + utf8(part), 0),
    messageCount: a.messageCount,
    toolResultCount: a.toolResults.length,
    toolResultBytes: a.toolResults.reduce((sum, bytes) => sum + bytes, 0),
    toolResultLargest: Math.max(0, ...a.toolResults),
    truncated: [],
    readBacks: [],
    savedUntracked: 0,
  };
}

function openAiChat(output: string): Assembly {
  const system = [JSON.stringify({ role: 'system', content: SYSTEM_TEXT })];
  const history = [
    { role: 'user', content: [{ type: 'text', text: 'List the build directory.' }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'run_shell_command', arguments: '{"command":"ls -l"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_0', content: output },
  ].map((m) => JSON.stringify(m));
  const tools = JSON.stringify(
    toolIndexes.map((i) => ({ type: 'function', function: { name: `tool_${i}`, description: 'A tool.', parameters: schema(i) } })),
  );
  const members: Array<[string, string]> = [
    ['model', '"qwen3-coder"'],
    ['messages', `[${[...system, ...history].join(',')}]`],
    ['stream', 'true'],
    ['tools', tools],
  ];
  return {
    members,
    system,
    history,
    tools,
    toolSchemaCount: TOOL_COUNT,
    toolResults: [utf8(output)],
    messageCount: 4,
    model: 'qwen3-coder',
    stream: true,
  };
}

function anthropic(output: string): Assembly {
  const systemValue = JSON.stringify([{ type: 'text', text: SYSTEM_TEXT, cache_control: { type: 'ephemeral' } }]);
  const history = [
    { role: 'user', content: [{ type: 'text', text: 'List the build directory.' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_0', name: 'Bash', input: { command: 'ls -l' } }] },
    { role: 'user', content: [{ tool_use_id: 'toolu_0', type: 'tool_result', content: output, is_error: false }] },
  ].map((m) => JSON.stringify(m));
  const tools = JSON.stringify(toolIndexes.map((i) => ({ name: `Tool${i}`, description: 'A tool.', input_schema: schema(i) })));
  const members: Array<[string, string]> = [
    ['model', '"claude-sonnet-4-5"'],
    ['system', systemValue],
    ['messages', `[${history.join(',')}]`],
    ['tools', tools],
    ['stream', 'true'],
  ];
  return {
    members,
    system: [systemValue],
    history,
    tools,
    toolSchemaCount: TOOL_COUNT,
    toolResults: [utf8(output)],
    messageCount: 3,
    model: 'claude-sonnet-4-5',
    stream: true,
  };
}

function openAiResponses(output: string): Assembly {
  const instructions = JSON.stringify('You are a coding agent.');
  const developer = JSON.stringify({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: SYSTEM_TEXT }] });
  const history = [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'List the build directory.' }] },
    { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls -l"}', call_id: 'call_0' },
    { type: 'function_call_output', call_id: 'call_0', output },
  ].map((m) => JSON.stringify(m));
  const tools = JSON.stringify(
    toolIndexes.map((i) => ({ type: 'function', name: `tool_${i}`, description: 'A tool.', strict: false, parameters: schema(i) })),
  );
  const members: Array<[string, string]> = [
    ['model', '"gpt-5-codex"'],
    ['instructions', instructions],
    ['input', `[${[developer, ...history].join(',')}]`],
    ['tools', tools],
    ['stream', 'true'],
  ];
  return {
    members,
    system: [instructions, developer],
    history,
    tools,
    toolSchemaCount: TOOL_COUNT,
    toolResults: [utf8(output)],
    messageCount: 4,
    model: 'gpt-5-codex',
    stream: true,
  };
}

function gemini(output: string): Assembly {
  const systemValue = JSON.stringify({ parts: [{ text: SYSTEM_TEXT }], role: 'user' });
  const response = JSON.stringify({ output });
  const history = [
    JSON.stringify({ role: 'user', parts: [{ text: 'List the build directory.' }] }),
    JSON.stringify({ role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'ls -l' } } }] }),
    `{"role":"user","parts":[{"functionResponse":{"name":"run_shell_command","response":${response}}}]}`,
  ];
  const tools = JSON.stringify([
    { functionDeclarations: toolIndexes.map((i) => ({ name: `tool_${i}`, description: 'A tool.', parametersJsonSchema: schema(i) })) },
  ]);
  const members: Array<[string, string]> = [
    ['contents', `[${history.join(',')}]`],
    ['systemInstruction', systemValue],
    ['tools', tools],
    ['generationConfig', '{"temperature":1}'],
  ];
  return {
    members,
    system: [systemValue],
    history,
    tools,
    toolSchemaCount: TOOL_COUNT,
    toolResults: [utf8(response)],
    messageCount: 3,
    model: 'gemini-2.5-pro',
    stream: true,
  };
}

const BUILDERS: Record<WireFormat, (output: string) => Assembly> = {
  'openai-chat': openAiChat,
  anthropic,
  'openai-responses': openAiResponses,
  gemini,
};

const URLS: Record<WireFormat, string> = {
  'openai-chat': 'http://127.0.0.1:8080/v1/chat/completions',
  anthropic: 'http://127.0.0.1:8080/v1/messages?beta=true',
  'openai-responses': 'http://127.0.0.1:8080/v1/responses',
  gemini: 'http://127.0.0.1:8080/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
};

/** A request of `format` carrying one tool result of about `toolResultBytes`. */
export function syntheticRequest(format: WireFormat, toolResultBytes: number): SyntheticRequest {
  const assembly = BUILDERS[format](toolOutputText(toolResultBytes));
  const body = objectText(assembly.members);
  return { format, url: new URL(URLS[format]), body, expected: figuresOf(format, body, assembly) };
}
