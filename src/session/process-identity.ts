// What a process is for (its role), told from its command line, which is read here and
// forgotten: only the role and a hash (to notice an exec) are kept.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ProcessRole } from '../config';
import { findPackageDir } from '../agent/identity';
import { classifyRole, type ScriptPackage } from '../probes/roles';
import type { ProcReader } from './proc-reader';

interface Identity {
  role: ProcessRole;
  argvHash: number;
  /** qwen-otel's own process: a collector (of a nested session, say). */
  observer: boolean;
}

function isCollectorProcess(argv: string[]): boolean {
  return argv.some((arg) => arg.endsWith('/collector/main.js')) && argv.includes('--session-dir');
}

export interface IdentityContext {
  isRoot: boolean;
  parentRole: ProcessRole | null;
  cliPackageDir: string | null;
}

export function argvHashOf(raw: string[]): number {
  return fnv1a(raw.join('\0'));
}

/** `raw`: the process's command line, as `reader.cmdline` gave it (read once per sample). */
export function identify(
  reader: ProcReader,
  raw: string[],
  name: string,
  context: IdentityContext,
): Identity & { packageDir: string | null } {
  if (isCollectorProcess(raw)) return { role: 'other', argvHash: 0, observer: true, packageDir: context.cliPackageDir };
  return { ...roleOfCommandLine(raw, name, context, reader.realpath), argvHash: argvHashOf(raw), observer: false };
}

/**
 * A command line's role, and the CLI's package folder (found from the root's own command line).
 * The bench's independent tree watch decides roles with this too, so the two agree.
 */
export function roleOfCommandLine(
  raw: string[],
  name: string,
  context: IdentityContext,
  realpath: (file: string) => string,
): { role: ProcessRole; packageDir: string | null } {
  const argv = raw.map((arg, i) => (i < 4 && arg.includes('/') ? realpath(arg) : arg));
  const packageDir = context.isRoot ? rootPackageDir(argv) : context.cliPackageDir;
  const scriptPackage = context.isRoot ? null : scriptPackageOf(argv);
  return {
    role: classifyRole({ argv, name, isRoot: context.isRoot, parentRole: context.parentRole, cliPackageDir: packageDir, scriptPackage }),
    packageDir,
  };
}

const SCRIPT_RUNTIMES = /^(node|nodejs|bun|deno)$/;
const MCP_SDK = '@modelcontextprotocol/sdk';

/**
 * The package a JavaScript runtime's script comes from: its name and whether it depends on the
 * MCP SDK (a server installed anywhere, not only under a name saying "mcp"). Read once, when
 * the process is first seen; only these two facts leave here.
 */
function scriptPackageOf(argv: string[]): ScriptPackage | null {
  if (!SCRIPT_RUNTIMES.test(path.basename(argv[0] ?? ''))) return null;
  const script = argv.slice(1, 4).find((arg) => arg.startsWith('/'));
  const dir = script ? findPackageDir(script) : null;
  if (!dir) return null;
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; dependencies?: unknown };
    if (typeof manifest.name !== 'string') return null;
    const deps = manifest.dependencies && typeof manifest.dependencies === 'object' ? manifest.dependencies : {};
    return { name: manifest.name, dependsOnMcpSdk: MCP_SDK in deps };
  } catch {
    return null;
  }
}

function rootPackageDir(argv: string[]): string | null {
  const script = argv.slice(1).find((arg) => arg.startsWith('/'));
  return findPackageDir(script ?? argv[0] ?? '');
}

/** 32-bit FNV-1a: enough to tell one command line from another, and holds none of it. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The name a process is shown by: its executable's base name (a shell script shows as `bash`,
 * not by its own file name), and `local` for a program that lives in the user's working tree.
 */
export function shownName(reader: ProcReader, pid: number, workTree: string | null): string {
  const exe = reader.exe(pid);
  if (!exe) return 'unknown';
  if (workTree && workTree !== '/' && (exe === workTree || exe.startsWith(`${workTree}/`))) return 'local';
  return exe.slice(exe.lastIndexOf('/') + 1).replace(/ \(deleted\)$/, '');
}
