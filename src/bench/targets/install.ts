import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface InstalledCli {
  /** Absolute prefix directory holding `node_modules/`. */
  dir: string;
  /** Absolute path of `node_modules/.bin/<name>` inside `dir`. */
  binPath: (name: string) => string;
}

export interface PackageSpec {
  name: string;
  /** Version or range after the last `@`; undefined for a bare name. */
  version: string | undefined;
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/;

/**
 * Where published CLIs are installed: `$QWEN_OTEL_CLI_CACHE_DIR`, else the per-user cache
 * (`$XDG_CACHE_HOME`, else `~/.cache`)`/qwen-otel/clis`, beside the wrapper's own cache file.
 * Never inside this package: a global install puts it in a shared, often root-owned prefix.
 */
export function defaultCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QWEN_OTEL_CLI_CACHE_DIR) return path.resolve(env.QWEN_OTEL_CLI_CACHE_DIR);
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const cache =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cache, 'qwen-otel', 'clis');
}

export function parsePackageSpec(spec: string): PackageSpec {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return { name: spec, version: undefined };
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

export function sanitizeSpec(spec: string): string {
  return spec.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Installs an npm package (e.g. a coding CLI) into its own prefix under `cacheDir`.
 * Idempotent, and safe when several processes install the same spec at once:
 * each installs into a private temp dir that is then renamed into place.
 */
export async function installCli(spec: string, cacheDir: string = defaultCliCacheDir()): Promise<InstalledCli> {
  const parsed = parsePackageSpec(spec);
  const dir = path.join(path.resolve(cacheDir), sanitizeSpec(spec));
  const result: InstalledCli = { dir, binPath: (name) => path.join(dir, 'node_modules', '.bin', name) };
  if (isInstalled(dir, parsed)) return result;

  await fs.mkdir(cacheDir, { recursive: true });
  const tempDir = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(tempDir);
  try {
    await runNpmInstall(tempDir, spec);
    if (!isInstalled(tempDir, parsed)) {
      throw new Error(`npm install ${spec} finished but ${parsed.name} is missing or at another version`);
    }
    await moveIntoPlace(tempDir, dir, parsed);
  } finally {
    await fs.rm(tempDir, { recursive: true, force: true });
  }
  return result;
}

function isInstalled(dir: string, spec: PackageSpec): boolean {
  const manifest = path.join(dir, 'node_modules', spec.name, 'package.json');
  if (!existsSync(manifest)) return false;
  // A range or tag cannot be checked offline: the per-spec directory is taken as it is.
  if (!spec.version || !EXACT_VERSION.test(spec.version)) return true;
  try {
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
    return version === spec.version;
  } catch {
    return false;
  }
}

/** Never deletes `dir`: a concurrent installer may have just put a good install there. */
async function moveIntoPlace(tempDir: string, dir: string, spec: PackageSpec): Promise<void> {
  if (isInstalled(dir, spec)) return; // another installer won the race
  try {
    await fs.rename(tempDir, dir);
  } catch (error) {
    if (isInstalled(dir, spec)) return;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot place ${spec.name} in ${dir} (${reason}); remove that directory and retry`);
  }
}

function runNpmInstall(prefix: string, spec: string): Promise<void> {
  const args = ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', spec];
  return new Promise((resolve, reject) => {
    // No package of the bench fetches a browser at install time (chrome-devtools-mcp drives Debian's chromium).
    const env = { ...process.env, PUPPETEER_SKIP_DOWNLOAD: 'true' };
    const child = spawn('npm', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => reject(new Error(`npm install ${spec} could not start: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const reason = lastMeaningfulLine(stderr) || 'no message';
      reject(new Error(`npm install ${spec} failed (exit ${code ?? signal}): ${reason}`));
    });
  });
}

/** e.g. "E404: 404 Not Found - GET …" from npm's `npm error` lines. */
function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const errors = lines
    .filter((line) => /^npm (ERR!|error)/.test(line))
    .map((line) => line.replace(/^npm (ERR!|error)\s*/, ''))
    .filter((line) => line && !/^A complete log/.test(line));
  const code = errors.find((line) => /^code \S+$/.test(line))?.slice('code '.length);
  const message = errors.find((line) => !/^code \S+$/.test(line)) ?? lines[lines.length - 1] ?? '';
  return code ? `${code}: ${message}` : message;
}
