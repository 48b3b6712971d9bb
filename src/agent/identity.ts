// Which CLI a process runs: the package that holds its main script, and the git branch when that
// package is a local build in a checkout. Only the package's name and version leave here.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { PackageIdentity } from '../channel/protocol';

const MAX_LEVELS = 12;

export function findPackageDir(scriptPath: string): string | null {
  let dir: string;
  try {
    dir = path.dirname(realpathSync(scriptPath));
  } catch {
    return null;
  }
  for (let level = 0; level < MAX_LEVELS; level += 1) {
    if (readPackageName(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export function detectPackage(scriptPath: string | undefined): PackageIdentity | null {
  if (!scriptPath) return null;
  const dir = findPackageDir(scriptPath);
  if (!dir) return null;
  const manifest = readManifest(dir);
  if (!manifest) return null;
  return {
    name: manifest.name,
    version: manifest.version,
    branch: dir.includes(`${path.sep}node_modules${path.sep}`) ? null : gitBranch(dir),
  };
}

export function gitBranch(from: string): string | null {
  let dir = from;
  for (let level = 0; level < MAX_LEVELS; level += 1) {
    const head = headFile(path.join(dir, '.git'));
    if (head) {
      const text = readFileSync(head, 'utf8').trim();
      return text.startsWith('ref: refs/heads/') ? text.slice(16) : text.slice(0, 12);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}

/**
 * HEAD of the checkout whose `.git` this is. In a linked worktree (`git worktree add`) or a
 * submodule, `.git` is a file naming the real git directory: `gitdir: <path>`.
 */
function headFile(dotGit: string): string | null {
  try {
    if (statSync(dotGit).isDirectory()) return existsSync(path.join(dotGit, 'HEAD')) ? path.join(dotGit, 'HEAD') : null;
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1].trim();
    const head = pointer ? path.resolve(path.dirname(dotGit), pointer, 'HEAD') : null;
    return head && existsSync(head) ? head : null;
  } catch {
    return null;
  }
}

function readPackageName(dir: string): string | null {
  return readManifest(dir)?.name ?? null;
}

function readManifest(dir: string): { name: string; version: string } | null {
  try {
    const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    if (typeof json.name !== 'string') return null;
    return { name: json.name, version: typeof json.version === 'string' ? json.version : '0.0.0' };
  } catch {
    return null;
  }
}
