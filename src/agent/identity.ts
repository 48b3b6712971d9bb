// Which CLI a process runs: the package that holds its main script, and the git branch when that
// package is a local build in a checkout. Only the package's name and version leave here.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
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
  return { name: manifest.name, version: manifest.version, branch: dir.includes(`${path.sep}node_modules${path.sep}`) ? null : gitBranch(dir) };
}

export function gitBranch(from: string): string | null {
  let dir = from;
  for (let level = 0; level < MAX_LEVELS; level += 1) {
    const head = path.join(dir, '.git', 'HEAD');
    if (existsSync(head)) {
      const text = readFileSync(head, 'utf8').trim();
      return text.startsWith('ref: refs/heads/') ? text.slice(16) : text.slice(0, 12);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
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
