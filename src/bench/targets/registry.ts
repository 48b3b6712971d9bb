/** The CLIs the benchmarks run: pinned package, executable name and invocation. */
import { claudeInvocation, CLAUDE_SPEC } from './claude';
import { codexInvocation, CODEX_SPEC } from './codex';
import type { WireFormat } from '../model-server/wire';
import type { Invocation, InvocationOptions } from './env';
import { geminiInvocation, GEMINI_MODEL, GEMINI_SPEC } from './gemini';
import { qwenInvocation } from './qwen';

export type CliName = 'qwen' | 'claude' | 'gemini' | 'codex';

export interface CliTarget {
  name: CliName;
  /** npm spec with an exact version. */
  spec: string;
  /** Name of the executable in node_modules/.bin. */
  bin: string;
  invocation: (opts: InvocationOptions) => Invocation;
  /** The wire format of its model requests, and the request line they use (measured). */
  format: WireFormat;
  endpoint: string;
  /**
   * Its model calls leave from a native binary no in-process tap reaches (Codex's Rust): an
   * instrumented bench run routes them through qwen-otel's loopback proxy.
   */
  nativeHttp?: true;
}

export const QWEN_SPEC = '@qwen-code/qwen-code@0.15.10';

export const CLI_TARGETS: Record<CliName, CliTarget> = {
  qwen: {
    name: 'qwen',
    spec: QWEN_SPEC,
    bin: 'qwen',
    invocation: qwenInvocation,
    format: 'openai-chat',
    endpoint: 'POST /v1/chat/completions',
  },
  claude: {
    name: 'claude',
    spec: CLAUDE_SPEC,
    bin: 'claude',
    invocation: claudeInvocation,
    format: 'anthropic',
    endpoint: 'POST /v1/messages?beta=true',
  },
  gemini: {
    name: 'gemini',
    spec: GEMINI_SPEC,
    bin: 'gemini',
    invocation: geminiInvocation,
    format: 'gemini',
    endpoint: `POST /v1beta/models/${GEMINI_MODEL}:streamGenerateContent?alt=sse`,
  },
  codex: {
    name: 'codex',
    spec: CODEX_SPEC,
    bin: 'codex',
    invocation: codexInvocation,
    format: 'openai-responses',
    endpoint: 'POST /v1/responses',
    nativeHttp: true,
  },
};

export const SCRIPT_PROMPT = 'Run the two echo commands, then say Done.';
