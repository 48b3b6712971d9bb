/** Pieces shared by the CLI invocations: a fixed base environment and config-file writing. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface InvocationOptions {
  /** Model server root, e.g. http://127.0.0.1:PORT (no trailing path). */
  baseUrl: string;
  prompt: string;
  /** An existing (temporary) directory used as HOME; the CLI's settings are written in it. */
  home: string;
}

export interface Invocation {
  args: string[];
  /** The complete environment for the child: spread nothing else from process.env unless on purpose. */
  env: Record<string, string>;
}

/**
 * What every CLI run gets. Nothing else is inherited: variables such as VITEST, CI, NODE_ENV,
 * TERM or a real API key would change a CLI's behaviour or its prompt from machine to machine.
 * The prompts carry the date, so TZ is pinned; LANG decides output language rules.
 */
export function baseEnv(home: string): Record<string, string> {
  return { PATH: searchPath(), HOME: home, SHELL: '/bin/bash', LANG: 'C.UTF-8', TZ: 'UTC', NO_BROWSER: 'true' };
}

export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** Writes `content` (JSON unless a string) at `home/relative`, creating folders. */
export function writeHomeFile(home: string, relative: string, content: unknown): string {
  const file = path.join(home, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** The running Node first, so `#!/usr/bin/env node` in a CLI's bin resolves to the same Node. */
export function searchPath(): string {
  const nodeDir = path.dirname(process.execPath);
  const rest = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter);
  return [nodeDir, ...rest.filter((dir) => dir !== nodeDir)].join(path.delimiter);
}
