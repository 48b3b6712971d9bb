/** How to run Codex 0.169.0 one-shot against the local model server (OpenAI responses API). */
import path from 'node:path';
import { baseEnv, trimBaseUrl, writeHomeFile, type Invocation, type InvocationOptions } from './env';

export const CODEX_SPEC = '@openai/codex@0.169.0';
export const CODEX_MODEL = 'mock-model';

export function codexConfigToml(baseUrl: string): string {
  return [
    `model = "${CODEX_MODEL}"`,
    'model_provider = "mock"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.mock]',
    'name = "mock"',
    `base_url = "${trimBaseUrl(baseUrl)}/v1"`,
    'env_key = "MOCK_API_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
  ].join('\n');
}

/** CODEX_HOME is `<home>/.codex`, where config.toml is written. */
export function codexInvocation(opts: InvocationOptions): Invocation {
  const codexHome = path.join(opts.home, '.codex');
  writeHomeFile(opts.home, '.codex/config.toml', codexConfigToml(opts.baseUrl));
  const env: Record<string, string> = { ...baseEnv(opts.home), CODEX_HOME: codexHome, MOCK_API_KEY: 'dummy' };
  return { args: ['exec', '--skip-git-repo-check', '--json', opts.prompt], env };
}
