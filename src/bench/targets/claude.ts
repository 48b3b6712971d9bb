/** How to run Claude Code 2.1.112 (the last Node build) one-shot against the local model server. */
import { baseEnv, trimBaseUrl, type Invocation, type InvocationOptions } from './env';

export const CLAUDE_SPEC = '@anthropic-ai/claude-code@2.1.112';
/** The first line of Bun binaries (2.1.197 and later ship a 245 MB Bun executable): NODE_OPTIONS is ignored, BUN_OPTIONS preloads. */
export const CLAUDE_BUN_SPEC = '@anthropic-ai/claude-code@2.1.197';
export const CLAUDE_MODEL = 'claude-sonnet-4-5';
export const CLAUDE_SMALL_MODEL = 'claude-haiku-4-5';
export const CLAUDE_ALLOWED_TOOLS = 'Bash,Read,Glob,Grep';

export interface ClaudeInvocationOptions extends InvocationOptions {
  /** Add `--dangerously-skip-permissions` (for workloads that use tools outside the allowed list). */
  skipPermissions?: boolean;
}

/**
 * Claude Code needs no settings file: everything is set through the environment.
 * `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC` also stops the haiku title request, so a run sends
 * `HEAD /` and the main turns only.
 */
export function claudeInvocation(opts: ClaudeInvocationOptions): Invocation {
  const env: Record<string, string> = {
    ...baseEnv(opts.home),
    ANTHROPIC_BASE_URL: trimBaseUrl(opts.baseUrl),
    ANTHROPIC_API_KEY: 'dummy',
    ANTHROPIC_MODEL: CLAUDE_MODEL,
    ANTHROPIC_SMALL_FAST_MODEL: CLAUDE_SMALL_MODEL,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    // As root, --dangerously-skip-permissions is refused without it. Set on every machine so the
    // environment stays the same; it changes no byte of what is sent (measured).
    IS_SANDBOX: '1',
  };
  // The prompt must come before --allowedTools, which takes a list and would swallow it.
  const args = ['-p', opts.prompt, '--output-format', 'json', '--allowedTools', CLAUDE_ALLOWED_TOOLS];
  if (opts.skipPermissions) args.push('--dangerously-skip-permissions');
  return { args, env };
}
