// Where an allocation came from, content-free: a package name and a module path relative to
// the CLI's installation, never an absolute path. Anything outside the installation (the user's
// repo, a temp dir) is one bucket, `(outside the CLI)`.
import * as path from 'node:path';

export interface Origin {
  pkg: string;
  module: string;
}

export const OUTSIDE = '(outside the CLI)';
export const UNATTRIBUTED = '(unattributed)';
export const OTHER = '(other)';

export const outside: Origin = { pkg: OUTSIDE, module: OUTSIDE };
export const unattributed: Origin = { pkg: UNATTRIBUTED, module: UNATTRIBUTED };

/** A directory whose files may be named (relative to it), and the package its own files belong to. */
export interface InstallRoot {
  dir: string;
  pkg: string;
  /** The dir is a `node_modules` folder: what is in it is named as `node_modules/<pkg>/...`. */
  nodeModules?: boolean;
}

/** Node's own modules: `node:internal/encoding` is both the package and the module. */
export function nodeOrigin(url: string): Origin {
  return { pkg: url, module: url };
}

/**
 * A path relative to a root (or a bundler's comment): the package is the last `node_modules/<pkg>`
 * in it, else a monorepo's `packages/<name>`, else the root's own package.
 */
export function originOfRelative(rel: string, ownPkg: string): Origin {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  while (parts[0] === '..') parts.shift();
  if (parts.includes('..')) return outside;
  const nm = parts.lastIndexOf('node_modules');
  if (nm !== -1 && nm + 1 < parts.length) {
    const scoped = parts[nm + 1].startsWith('@') && nm + 2 < parts.length;
    const pkg = scoped ? `${parts[nm + 1]}/${parts[nm + 2]}` : parts[nm + 1];
    return { pkg, module: parts.slice(nm + 1).join('/') };
  }
  const module = parts.join('/');
  if (parts[0] === 'packages' && parts.length > 2) return { pkg: `packages/${parts[1]}`, module };
  return { pkg: ownPkg, module };
}

/** An absolute file path: inside one of the roots (the innermost wins), or outside the CLI. */
export function originOfFile(file: string, roots: InstallRoot[]): Origin {
  const found = rootOf(file, roots);
  if (!found) return outside;
  const rel = found.rel.split(path.sep).join('/');
  return originOfRelative(found.root.nodeModules ? `node_modules/${rel}` : rel, found.root.pkg);
}

/** The innermost root holding the file, and the file's path relative to it. */
export function rootOf(file: string, roots: InstallRoot[]): { root: InstallRoot; rel: string } | null {
  let best: { root: InstallRoot; rel: string } | null = null;
  for (const root of roots) {
    const rel = path.relative(root.dir, file);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (!best || root.dir.length > best.root.dir.length) best = { root, rel };
  }
  return best;
}
