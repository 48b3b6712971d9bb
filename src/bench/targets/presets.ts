// What a parsed target runs: a preset CLI (its invocation keeps it offline: temporary HOME, settings
// that turn off updates and usage reporting, the base URL, flags) installed from npm or given as a
// command, or any other command with the generic preset.
import { baseEnv, trimBaseUrl, type Invocation, type InvocationOptions } from './env';
import { installCli, parsePackageSpec } from './install';
import { CLI_TARGETS } from './registry';
import { isPresetCli, type TargetSpec } from './target-spec';

export interface ResolvedTarget extends TargetSpec {
  /** `qwen`, `claude`, `codex`, `gemini`, or `generic`. */
  preset: string;
  /** Executable and leading arguments; the invocation's arguments follow. */
  launch: string[];
  invocation: (opts: InvocationOptions) => Invocation;
  /** The npm spec installed, or null for a command. */
  npmSpec: string | null;
}

/**
 * Any other command: the prompt as its last argument, and every preset's base-URL variable set,
 * so a CLI that reads any of them reaches the scripted model.
 */
export function genericInvocation(opts: InvocationOptions): Invocation {
  const base = trimBaseUrl(opts.baseUrl);
  return {
    args: [opts.prompt],
    env: {
      ...baseEnv(opts.home),
      QWEN_OTEL_BENCH_BASE_URL: base,
      OPENAI_BASE_URL: `${base}/v1`,
      OPENAI_API_KEY: 'dummy',
      ANTHROPIC_BASE_URL: base,
      ANTHROPIC_API_KEY: 'dummy',
      GOOGLE_GEMINI_BASE_URL: base,
      GEMINI_API_KEY: 'dummy',
    },
  };
}

/** Installs published versions into the CLI cache on first use (`onInstall` is told before each). */
export async function resolveTarget(spec: TargetSpec, onInstall: (npmSpec: string) => void = () => {}): Promise<ResolvedTarget> {
  if (!isPresetCli(spec.cli)) {
    return { ...spec, preset: 'generic', launch: spec.command ?? [], invocation: genericInvocation, npmSpec: null };
  }
  const preset = CLI_TARGETS[spec.cli];
  if (spec.command) return { ...spec, preset: preset.name, launch: spec.command, invocation: preset.invocation, npmSpec: null };
  const npmSpec = `${parsePackageSpec(preset.spec).name}@${spec.branch}`;
  onInstall(npmSpec);
  const installed = await installCli(npmSpec);
  return { ...spec, preset: preset.name, launch: [installed.binPath(preset.bin)], invocation: preset.invocation, npmSpec };
}
