// What a process is for (its role), told from its command line, which is read here and
// forgotten: only the role and a hash (to notice an exec) are kept.
import type { ProcessRole } from '../config';
import { findPackageDir } from '../agent/identity';
import { classifyRole } from '../probes/roles';
import type { ProcReader } from './proc-reader';

export interface Identity {
  role: ProcessRole;
  argvHash: number;
}

export interface IdentityContext {
  isRoot: boolean;
  parentRole: ProcessRole | null;
  cliPackageDir: string | null;
}

export function argvHashOf(reader: ProcReader, pid: number): number {
  return fnv1a((reader.cmdline(pid) ?? []).join('\0'));
}

export function identify(reader: ProcReader, pid: number, name: string, context: IdentityContext): Identity & { packageDir: string | null } {
  const raw = reader.cmdline(pid) ?? [];
  const argv = raw.map((arg, i) => (i < 4 && arg.includes('/') ? reader.realpath(arg) : arg));
  const packageDir = context.isRoot ? rootPackageDir(argv) : context.cliPackageDir;
  const role = classifyRole({ argv, name, isRoot: context.isRoot, parentRole: context.parentRole, cliPackageDir: packageDir });
  return { role, argvHash: fnv1a(raw.join('\0')), packageDir };
}

function rootPackageDir(argv: string[]): string | null {
  const script = argv.slice(1).find((arg) => arg.startsWith('/'));
  return findPackageDir(script ?? argv[0] ?? '');
}

/** 32-bit FNV-1a: enough to tell one command line from another, and holds none of it. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
