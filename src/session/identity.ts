// Who ran: the labels every figure carries (cli, branch, workload) and the CLI's version.
// Settings win; then OpenTelemetry's own variables; then what the CLI's package says.
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import type { PackageIdentity } from '../channel/protocol';
import type { Config } from '../config';
import { detectPackage } from '../agent/identity';

export interface RunIdentity {
  cli: string;
  cliVersion: string | null;
  branch: string;
  workload: string;
}

const SHORT_NAMES: Record<string, string> = {
  '@qwen-code/qwen-code': 'qwen-code',
  '@anthropic-ai/claude-code': 'claude-code',
  '@google/gemini-cli': 'gemini-cli',
  '@openai/codex': 'codex',
};

export function shortCliName(packageName: string): string {
  return SHORT_NAMES[packageName] ?? packageName.replace(/^@[^/]+\//, '');
}

export function resolveIdentity(config: Config, pkg: PackageIdentity | null, command: string | null): RunIdentity {
  const attrs = config.resourceAttributes;
  const cli =
    config.cli ??
    config.serviceName ??
    attrs['service.name'] ??
    (pkg ? shortCliName(pkg.name) : null) ??
    (command ? path.basename(command) : null) ??
    'unknown';
  const cliVersion = config.cliVersion ?? attrs['service.version'] ?? pkg?.version ?? null;
  const branch = config.branch ?? attrs['vcs.ref.head.name'] ?? pkg?.branch ?? cliVersion ?? 'unknown';
  return { cli, cliVersion, branch, workload: config.workload };
}

/** The package a command runs from: PATH lookup, then the package around the real file. */
export function commandPackage(command: string | null, envPath = process.env.PATH ?? ''): PackageIdentity | null {
  if (!command) return null;
  const resolved = command.includes('/') ? path.resolve(command) : findOnPath(command, envPath);
  return resolved ? detectPackage(resolved) : null;
}

function findOnPath(command: string, envPath: string): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}
