/** How to run Gemini CLI 0.61.0 one-shot against the local model server. */
import { baseEnv, trimBaseUrl, writeHomeFile, type Invocation, type InvocationOptions } from './env';

export const GEMINI_SPEC = '@google/gemini-cli@0.61.0';
export const GEMINI_MODEL = 'gemini-2.5-flash';

export interface GeminiInvocationOptions extends InvocationOptions {
  /** Keep Gemini in one process instead of a relauncher parent plus a child. */
  noRelaunch?: boolean;
}

/**
 * Settings that keep a run offline, quiet and the same on every machine (0.61 key names;
 * the older `disableAutoUpdate` / `disableUpdateNag` are migrated by the CLI). Without
 * `useRipgrep: false` the grep tool offered depends on whether `rg` is found.
 */
export const GEMINI_SETTINGS = {
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  security: { auth: { selectedType: 'gemini-api-key' } },
  tools: { useRipgrep: false },
} as const;

/** `-m` pins the model: without it Gemini first asks a classifier model which one to use. */
export function geminiInvocation(opts: GeminiInvocationOptions): Invocation {
  writeGeminiSettings(opts.home);
  const env: Record<string, string> = {
    ...baseEnv(opts.home),
    GEMINI_API_KEY: 'dummy',
    GOOGLE_GEMINI_BASE_URL: trimBaseUrl(opts.baseUrl),
  };
  if (opts.noRelaunch) env.GEMINI_CLI_NO_RELAUNCH = 'true';
  const args = ['--skip-trust', '--approval-mode', 'yolo', '--output-format', 'json', '-m', GEMINI_MODEL, '-p', opts.prompt];
  return { args, env };
}

export function writeGeminiSettings(home: string): string {
  return writeHomeFile(home, '.gemini/settings.json', GEMINI_SETTINGS);
}
