// Bundler region comments: esbuild (unminified) opens each bundled module with a line
// `// node_modules/<pkg>/<file>` or `// packages/<name>/<file>`. Qwen Code 0.15.10's 26 MB cli.js
// has 1,816 + 1,770 of them, so a sampled allocation's line maps to its module without a source
// map. The script is read once in 1 MiB chunks (reading it whole would add ~26-52 MB to the heap
// the profiler is measuring, at its peak) and only the comment lines are kept.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface RegionIndex {
  /** 0-based line of each region comment, ascending. */
  lines: number[];
  /** The path each comment names, as the bundler wrote it (relative to the build's directory). */
  paths: string[];
}

const CHUNK_BYTES = 1024 * 1024;
/** Scripts larger than this are not scanned (their frames fall back to script + function). */
export const MAX_SCANNED_SCRIPT_BYTES = 256 * 1024 * 1024;
/** A line longer than this is code, never a region comment. */
const MAX_COMMENT_LINE = 400;
/** `// <path>` with a source extension and nothing else on the line (esbuild writes `// main.js` for a top-level file). */
const REGION_LINE = /^\/\/ ((?:[\w@.+~-]+\/)*[\w@.+~-]+\.(?:[cm]?[jt]sx?|json|node|wasm))\s*$/;

export function regionLine(line: string): string | null {
  if (line.length > MAX_COMMENT_LINE || !line.startsWith('// ')) return null;
  return REGION_LINE.exec(line)?.[1] ?? null;
}

/** Scans a script for region comments; null when it has none or cannot be read. */
export function scanRegions(file: string): RegionIndex | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  const index: RegionIndex = { lines: [], paths: [] };
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let line = 0;
    let carry = '';
    let offset = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK_BYTES, offset);
      if (n <= 0) break;
      offset += n;
      if (offset > MAX_SCANNED_SCRIPT_BYTES) return null;
      // latin1 keeps one character per byte: a comment's path is ASCII, and a split UTF-8
      // sequence elsewhere cannot hide a newline.
      const text = carry + buffer.toString('latin1', 0, n);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        if (text.charCodeAt(start) === 47 && nl - start <= MAX_COMMENT_LINE) note(index, text.slice(start, nl), line);
        line += 1;
        start = nl + 1;
      }
      const rest = text.length - start;
      // An unfinished long line cannot be a comment: carry a stand-in that is not one.
      carry = rest <= MAX_COMMENT_LINE ? text.slice(start) : 'x';
    }
    if (carry.startsWith('//')) note(index, carry, line);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  return index.lines.length > 0 ? index : null;
}

function note(index: RegionIndex, text: string, line: number): void {
  const found = regionLine(text.endsWith('\r') ? text.slice(0, -1) : text);
  if (found !== null) {
    index.lines.push(line);
    // A copy: a slice would keep the whole 1 MiB chunk it was cut from alive (24 MB retained on
    // Qwen's cli.js before this copy, measured by the profiler itself).
    index.paths.push(Buffer.from(found, 'latin1').toString('latin1'));
  }
}

/** The region a 0-based line falls in: the nearest comment at or before it; null before the first. */
export function regionAt(index: RegionIndex, line: number): string | null {
  let lo = 0;
  let hi = index.lines.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index.lines[mid] <= line) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found === -1 ? null : index.paths[found];
}

/**
 * The scan, through a per-user cache keyed by the script's path, size and mtime: scanning Qwen
 * Code's 26 MB cli.js took 1.4-3.3 s at a load average of ~36 on 2 cores, inside the first
 * capture's pause of every process; a cached index is one small JSON read. Only the bundler's
 * module paths are kept (the CLI's own files, not the user's).
 */
export function cachedRegions(file: string, cacheDir: string | null): { index: RegionIndex | null; cached: boolean } {
  if (cacheDir === null) return { index: scanRegions(file), cached: false };
  let cacheFile: string;
  try {
    const st = statSync(file);
    const key = createHash('sha256').update(`${file}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 32);
    cacheFile = path.join(cacheDir, `${key}.json`);
  } catch {
    return { index: null, cached: false };
  }
  try {
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as RegionIndex | { none: true };
    if ('none' in stored) return { index: null, cached: true };
    if (Array.isArray(stored.lines) && Array.isArray(stored.paths) && stored.lines.length === stored.paths.length)
      return { index: stored, cached: true };
  } catch {
    // Not cached yet (or unreadable): scan.
  }
  const index = scanRegions(file);
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(index ?? { none: true }), { mode: 0o600 });
    renameSync(temp, cacheFile);
  } catch {
    // A cache that cannot be written costs the next process a scan, nothing else.
  }
  return { index, cached: false };
}
