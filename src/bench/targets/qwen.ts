/** How to run Qwen Code one-shot against the local model server (OpenAI chat format). */
import { baseEnv, trimBaseUrl, writeHomeFile, type Invocation, type InvocationOptions } from './env';

export interface QwenInvocationOptions extends InvocationOptions {
  /** Keep Qwen in one process instead of a relauncher parent plus a worker. */
  noRelaunch?: boolean;
  /** Qwen's own `telemetry` settings block (default: off). */
  telemetry?: Record<string, unknown>;
}

const QWEN_MODEL_NAME = 'mock-model';

/** Settings that keep a run offline and quiet (no update check, no usage statistics, no IDE probe: each would reach the network). */
const QWEN_SETTINGS = {
  general: { enableAutoUpdate: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  security: { auth: { selectedType: 'openai' } },
  model: { name: QWEN_MODEL_NAME },
} as const;

/**
 * Prepares HOME (`.qwen/settings.json`) and returns how to run `qwen` one-shot against a local
 * OpenAI-compatible server. Qwen writes an output-language rule from LANG (pinned by baseEnv).
 */
export function qwenInvocation(opts: QwenInvocationOptions): Invocation {
  const settings = opts.telemetry ? { ...QWEN_SETTINGS, telemetry: opts.telemetry } : QWEN_SETTINGS;
  writeHomeFile(opts.home, '.qwen/settings.json', settings);
  const env: Record<string, string> = {
    ...baseEnv(opts.home),
    QWEN_CODE_LANG: 'en',
    OPENAI_API_KEY: 'dummy',
    OPENAI_BASE_URL: `${trimBaseUrl(opts.baseUrl)}/v1`,
    OPENAI_MODEL: QWEN_MODEL_NAME,
    // Background requests that could land, or not, before exit: keep the request sequence fixed.
    QWEN_CODE_DISABLE_PRECONNECT: '1',
    QWEN_DISABLE_AUTO_TITLE: '1',
  };
  if (opts.noRelaunch) env.QWEN_CODE_NO_RELAUNCH = 'true';
  return { args: ['--approval-mode', 'yolo', '--output-format', 'json', opts.prompt], env };
}

/** Ids, paths and durations differ between any two runs. */
const VOLATILE = new Set(['uuid', 'session_id', 'id', 'cwd', 'usage', 'timestamp']);
const TIMING = /duration|latency/i;
/**
 * Prompt token counts follow the request bytes, which follow the width of the pid Qwen prints at
 * the end of each shell result: they are checked against the server's own count for each run.
 */
const PER_RUN_TOKENS = new Set(['prompt', 'total']);

/** Qwen's JSON output without what differs between any two runs of the same conversation. */
export function normalizeQwenOutput(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeQwenOutput(v));
  if (value && typeof value === 'object') {
    const kept = Object.entries(value).filter(
      ([k]) => !VOLATILE.has(k) && !TIMING.test(k) && !(parentKey === 'tokens' && PER_RUN_TOKENS.has(k)),
    );
    return Object.fromEntries(kept.map(([k, v]) => [k, normalizeQwenOutput(v, k)]));
  }
  return value;
}
