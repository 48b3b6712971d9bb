// Entry of the heap profiler, loaded by the agent only when QWEN_OTEL_HEAP_PROFILE is on (it is
// not in the agent's bundle: off, none of this is read). Decides which directories count as the
// CLI's installation, whose files may be named relative to them.
import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapProfileMessage } from '../../channel/protocol';
import { findPackageDir, gitBranch } from '../identity';
import type { InstallRoot } from './origin';
import { HeapProfiler } from './profiler';

export { HeapProfiler };

/** `cacheDir`: a private per-user directory for the bundles' region indexes (null: none). */
export function startHeapProfiler(
  script: string | undefined,
  cliName: string | null,
  send: (m: HeapProfileMessage) => void,
  cacheDir: string | null = null,
): HeapProfiler | null {
  return HeapProfiler.start(installRoots(script, cliName), send, cacheDir);
}

/**
 * The CLI's package directory; the `node_modules` folder it was installed into (dependencies
 * may be hoisted beside it); for a local build, its git checkout; and qwen-otel's own package,
 * so the observer's own allocations are named as such.
 */
export function installRoots(script: string | undefined, cliName: string | null): InstallRoot[] {
  const roots: InstallRoot[] = [];
  const own = findPackageDir(__filename);
  if (own) roots.push({ dir: own, pkg: 'qwen-otel' });
  const cliDir = script ? findPackageDir(script) : null;
  if (!cliDir) return roots;
  const pkg = cliName ?? path.basename(cliDir);
  roots.push({ dir: cliDir, pkg });
  const marker = `${path.sep}node_modules${path.sep}`;
  const nm = cliDir.indexOf(marker);
  if (nm !== -1) {
    roots.push({ dir: cliDir.slice(0, nm + marker.length - 1), pkg, nodeModules: true });
  } else if (gitBranch(cliDir) !== null) {
    const top = checkoutRoot(cliDir);
    if (top) roots.push({ dir: top, pkg });
  }
  return roots;
}

function checkoutRoot(from: string): string | null {
  let dir = realpathSync(from);
  for (let level = 0; level < 12; level += 1) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}
