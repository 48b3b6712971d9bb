// A workload's steps in each CLI's own tools (names and arguments as each CLI's schemas ask,
// read from their requests: test/fixtures/traffic/*/request-1.json). Codex has a shell only.
import path from 'node:path';
import { mcpToolNames, type McpCall, type Script, type ScriptStep } from '../model-server/script';
import type { WireFormat } from '../model-server/wire';
import type { Workload, WorkloadStep } from './types';

type Call = ScriptStep & { toolCall: unknown };

interface Toolset {
  shell(command: string): Call;
  /** `file` is absolute: the read tools of Qwen, Claude and Gemini want absolute paths. */
  read(file: string, relative: string): Call;
  grep(pattern: string): Call;
}

const call = (name: string, args: Record<string, unknown>): Call => ({ toolCall: { name, arguments: args } });

/** For a shell: single-quoted, so a pattern is never read as anything but text. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Qwen Code (0.15.10, 0.24.4) and Gemini CLI 0.61.0 (Qwen Code began as its fork): the same tool names. */
const GEMINI_FAMILY: Toolset = {
  shell: (command) => call('run_shell_command', { command }),
  read: (file) => call('read_file', { file_path: file }),
  grep: (pattern) => call('grep_search', { pattern }),
};

const TOOLSETS: Record<WireFormat, Toolset> = {
  'openai-chat': GEMINI_FAMILY,
  // Claude Code 2.1.112.
  anthropic: {
    shell: (command) => call('Bash', { command, description: 'Run a command' }),
    read: (file) => call('Read', { file_path: file }),
    grep: (pattern) => call('Grep', { pattern, output_mode: 'content', '-n': true }),
  },
  // Codex 0.169.0: every step through its shell.
  'openai-responses': {
    shell: (cmd) => call('exec_command', { cmd }),
    read: (_file, relative) => call('exec_command', { cmd: `cat ${shellQuote(relative)}` }),
    grep: (pattern) => call('exec_command', { cmd: `grep -rn -- ${shellQuote(pattern)} .` }),
  },
  gemini: GEMINI_FAMILY,
};

function stepCall(tools: Toolset, step: WorkloadStep, repoDir: string): Call {
  if ('shell' in step) return tools.shell(step.shell);
  if ('read' in step) return tools.read(path.join(repoDir, step.read), step.read);
  return tools.grep(step.grep);
}

/**
 * Qwen Code 0.15.10 offers no MCP tool in `tools`: it names them in the system prompt's "Deferred
 * Tools" and the model must load one with `tool_search` (`select:NAME`) before calling it. The
 * other CLIs offer MCP tools at once.
 */
const DEFERS_MCP_TOOLS: Record<WireFormat, boolean> = { 'openai-chat': true, anthropic: false, 'openai-responses': false, gemini: false };

function mcpSteps(format: WireFormat, call: McpCall): ScriptStep[] {
  const [name] = mcpToolNames(call.server, call.tool);
  const load: ScriptStep[] = DEFERS_MCP_TOOLS[format]
    ? [{ toolCall: { name: 'tool_search', arguments: { query: `select:${name}` } } }]
    : [];
  return [...load, { mcpCall: call }];
}

/** The script of every wire format for a run whose repository is `repoDir`. */
export function workloadScripts(workload: Workload, repoDir: string): Record<WireFormat, Script> {
  const scripts = {} as Record<WireFormat, Script>;
  for (const [format, tools] of Object.entries(TOOLSETS) as Array<[WireFormat, Toolset]>) {
    const mcp = (workload.mcpCalls ?? []).flatMap((call) => mcpSteps(format, call));
    scripts[format] = [...workload.steps.map((step) => stepCall(tools, step, repoDir)), ...mcp, { text: workload.answer }];
  }
  return scripts;
}
