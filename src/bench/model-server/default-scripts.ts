/**
 * Each CLI's default script: two calls of its own shell tool, with the arguments its own
 * schema asks for (read from the tool schemas each CLI sends), then a final answer.
 */
import { DEFAULT_FINAL_TEXT, SAVED_OUTPUT, type Script, type ScriptStep } from './script';
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

const SHELL_CALLS: Record<WireFormat, (command: string) => ScriptStep> = {
  'openai-chat': (command) => ({ toolCall: { name: 'run_shell_command', arguments: { command } } }),
  anthropic: (command) => ({ toolCall: { name: 'Bash', arguments: { command, description: 'Print a large output' } } }),
  'openai-responses': (cmd) => ({ toolCall: { name: 'exec_command', arguments: { cmd } } }),
  gemini: (command) => ({ toolCall: { name: 'run_shell_command', arguments: { command } } }),
};

/**
 * One shell call printing `bytes` bytes of 63-byte lines, then a final answer: large enough and
 * each CLI cuts the result it sends (Qwen Code 0.15.10 above ~25 KB, Claude Code 2.1.112 above
 * ~30 KB, Gemini CLI 0.61.0 above 40,000 characters, Codex 0.169.0 above ~10 KB) and all but
 * Codex save the whole. `readBack`: a second shell call reads the head of the saved file back
 * (a CLI that saved none ends the turn there).
 */
export function largeOutputScript(format: WireFormat, bytes: number, options: { readBack?: boolean } = {}): Script {
  const command = `yes 'qwen-otel line of output 0123456789 abcdefghijklmnopqrstuvwxyz' | head -c ${Math.max(0, Math.floor(bytes))}`;
  const readBack = options.readBack ? [SHELL_CALLS[format](`head -c 2000 ${SAVED_OUTPUT}`)] : [];
  return [SHELL_CALLS[format](command), ...readBack, { text: DEFAULT_FINAL_TEXT }];
}
