/**
 * Each CLI's default script: two calls of its own shell tool, with the arguments its own
 * schema asks for (read from the tool schemas each CLI sends), then a final answer.
 */
import { DEFAULT_FINAL_TEXT, type Script } from './script';
import type { WireFormat } from './wire';

const ECHOES = ['echo qwen-otel-one', 'echo qwen-otel-two'];

function shellScript(tool: string, argumentsFor: (command: string, index: number) => Record<string, unknown>): Script {
  const calls = ECHOES.map((command, index) => ({ toolCall: { name: tool, arguments: argumentsFor(command, index) } }));
  return [...calls, { text: DEFAULT_FINAL_TEXT }];
}

/** Qwen Code 0.15.10 `run_shell_command`: only `command` is required. */
export const DEFAULT_QWEN_SCRIPT: Script = shellScript('run_shell_command', (command) => ({ command }));

/** Claude Code 2.1.112 `Bash`: `command` required, `description` shown to the user. */
export const DEFAULT_CLAUDE_SCRIPT: Script = shellScript('Bash', (command, index) => ({
  command,
  description: `Print marker ${index + 1}`,
}));

/** Codex 0.169 `exec_command`: the command line goes in `cmd`. */
export const DEFAULT_CODEX_SCRIPT: Script = shellScript('exec_command', (cmd) => ({ cmd }));

/** Gemini CLI 0.61.0 `run_shell_command`: `command` required. */
export const DEFAULT_GEMINI_SCRIPT: Script = shellScript('run_shell_command', (command) => ({ command }));

/** The CLI each format is the native tongue of decides that format's default script. */
export const DEFAULT_SCRIPTS: Record<WireFormat, Script> = {
  'openai-chat': DEFAULT_QWEN_SCRIPT,
  anthropic: DEFAULT_CLAUDE_SCRIPT,
  'openai-responses': DEFAULT_CODEX_SCRIPT,
  gemini: DEFAULT_GEMINI_SCRIPT,
};
