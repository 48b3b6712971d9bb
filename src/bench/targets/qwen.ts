import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { searchPath } from './env';

export interface QwenInvocationOptions {
  /** Model server root, e.g. http://127.0.0.1:PORT (without /v1). */
  baseUrl: string;
  prompt: string;
  /** An existing (temporary) directory used as HOME; `.qwen/settings.json` is written in it. */
  home: string;
  /** Keep Qwen in one process instead of a relauncher parent plus a worker. */
  noRelaunch?: boolean;
}

export interface QwenInvocation {
  args: string[];
  /** The complete environment for the child: spread nothing else from process.env unless on purpose. */
  env: Record<string, string>;
}

export const QWEN_MODEL_NAME = 'mock-model';

/** Settings that keep a run offline and quiet (FACTS §4). */
export const QWEN_SETTINGS = {
  general: { enableAutoUpdate: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  security: { auth: { selectedType: 'openai' } },
  model: { name: QWEN_MODEL_NAME },
} as const;

/**
 * Prepares HOME and returns how to run `qwen` one-shot against a local OpenAI-compatible server.
 * The environment is minimal on purpose: inherited variables such as VITEST, NODE_ENV, LANG or
 * OPENAI_* would change Qwen's behaviour or its system prompt from one machine to another.
 */
export function qwenInvocation(opts: QwenInvocationOptions): QwenInvocation {
  writeQwenSettings(opts.home);
  const env: Record<string, string> = {
    PATH: searchPath(),
    HOME: opts.home,
    SHELL: '/bin/bash',
    // The system prompt carries today's date in the user's locale, and Qwen writes an
    // output-language rule from LANG: pin both.
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    QWEN_CODE_LANG: 'en',
    OPENAI_API_KEY: 'dummy',
    OPENAI_BASE_URL: `${opts.baseUrl.replace(/\/+$/, '')}/v1`,
    OPENAI_MODEL: QWEN_MODEL_NAME,
    // Background requests that could land, or not, before exit: keep the request sequence fixed.
    QWEN_CODE_DISABLE_PRECONNECT: '1',
    QWEN_DISABLE_AUTO_TITLE: '1',
    NO_BROWSER: 'true',
  };
  if (opts.noRelaunch) env.QWEN_CODE_NO_RELAUNCH = 'true';
  return { args: ['--approval-mode', 'yolo', '--output-format', 'json', opts.prompt], env };
}

export function writeQwenSettings(home: string): string {
  const dir = path.join(home, '.qwen');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.json');
  writeFileSync(file, `${JSON.stringify(QWEN_SETTINGS, null, 2)}\n`);
  return file;
}
