// The demo target's conversation when `qwen-otel bench` runs it: OpenAI chat requests to the
// scripted model server (QWEN_OTEL_BENCH_BASE_URL), the tools it asks for run for real (a shell,
// a file read, a grep), until it answers in text. Requests go through `fetch`, so qwen-otel's
// traffic tap accounts for them as it does for a real CLI.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface ToolCall {
  id: string;
  function: { name: string; arguments: string };
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

const stringParameter = (name: string): object => ({ type: 'object', properties: { [name]: { type: 'string' } }, required: [name] });
const TOOLS = [
  {
    type: 'function',
    function: { name: 'run_shell_command', description: 'Run a shell command.', parameters: stringParameter('command') },
  },
  { type: 'function', function: { name: 'read_file', description: 'Read a file.', parameters: stringParameter('file_path') } },
  {
    type: 'function',
    function: { name: 'grep_search', description: 'Search the files for a pattern.', parameters: stringParameter('pattern') },
  },
];
const MAX_TURNS = 20;

function runTool(call: ToolCall): string {
  const args = JSON.parse(call.function.arguments) as Record<string, string>;
  const output = (result: ReturnType<typeof spawnSync>): string => `${result.stdout ?? ''}${result.stderr ?? ''}`;
  switch (call.function.name) {
    case 'run_shell_command':
      return output(spawnSync('sh', ['-c', args.command], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
    case 'read_file':
      return readFileSync(args.file_path, 'utf8');
    case 'grep_search':
      return output(spawnSync('grep', ['-rn', '--', args.pattern, '.'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
    default:
      return `unknown tool ${call.function.name}`;
  }
}

async function ask(baseUrl: string, messages: ChatMessage[]): Promise<ChatMessage> {
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer dummy' },
    body: JSON.stringify({ model: 'demo-model', messages, tools: TOOLS, stream: false }),
  });
  if (!response.ok) throw new Error(`the model server answered ${response.status}`);
  const body = (await response.json()) as { choices: Array<{ message: ChatMessage }> };
  return body.choices[0].message;
}

/** Plays the conversation through; `onTurn` is called after each model reply. Returns the turns taken. */
export async function converse(baseUrl: string, prompt: string, onTurn: (turn: number) => void): Promise<number> {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a demo coding agent.' },
    { role: 'user', content: prompt },
  ];
  for (let turn = 1; turn <= MAX_TURNS; turn += 1) {
    const reply = await ask(baseUrl, messages);
    messages.push(reply);
    onTurn(turn);
    if (!reply.tool_calls?.length) return turn;
    for (const call of reply.tool_calls) messages.push({ role: 'tool', tool_call_id: call.id, content: runTool(call) });
  }
  throw new Error(`no final answer after ${MAX_TURNS} turns`);
}
