// Frame → origin, in the order that is most exact first: the script's source map, its bundler
// region comments, a `node_modules/<pkg>` in its path, else the script and the function. Each
// script is examined once (map read, comments scanned) and cached for the process's life.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceMap as NodeSourceMap, SourceMapPayload } from 'node:module';
import { type InstallRoot, type Origin, nodeOrigin, originOfFile, originOfRelative, outside, rootOf, unattributed } from './origin';
import { cachedRegions, type RegionIndex, regionAt } from './regions';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** Source maps larger than this are not parsed: parsing one holds it in the heap being measured. */
export const MAX_SOURCE_MAP_BYTES = 32 * 1024 * 1024;
const TAIL_BYTES = 4096;
const MAPPING_URL = /\/\/[#@] sourceMappingURL=(\S+)\s*$/;

interface Script {
  file: string;
  /** The script's own origin (path inside the installation), or outside. */
  origin: Origin;
  map: { map: NodeSourceMap; dir: string } | null;
  regions: RegionIndex | null;
  /** The root package a region or source path without node_modules belongs to. */
  ownPkg: string;
}

export class FrameResolver {
  private readonly scripts = new Map<string, Script | null>();
  /** Scripts examined, and how (for the record's counts). */
  readonly stats = { scripts: 0, sourceMapped: 0, withRegions: 0, regionsFromCache: 0 };

  /** `cacheDir`: where region indexes are kept between processes (null: scan every time). */
  constructor(
    private readonly roots: InstallRoot[],
    private readonly cacheDir: string | null = null,
  ) {}

  /** null: the frame has no script (V8's own entries); the caller uses the nearest caller's. */
  resolve(frame: CallFrame): Origin | null {
    const { url } = frame;
    if (url === '') return null;
    if (url.startsWith('node:')) return nodeOrigin(url);
    const script = this.script(url);
    if (!script) return unattributed;
    if (script.origin === outside) return outside;
    if (script.map) {
      const mapped = this.mapped(script, frame);
      if (mapped) return mapped;
    }
    if (script.regions) {
      const region = regionAt(script.regions, frame.lineNumber);
      if (region !== null) return originOfRelative(region, script.ownPkg);
      // Before the first region: the bundler's own helpers (esbuild's __toESM, __copyProps...).
      return { pkg: script.origin.pkg, module: `${script.origin.module} (bundle prelude) ${frame.functionName || '(anonymous)'}` };
    }
    if (script.origin.module.includes('/') && script.origin.pkg !== script.ownPkg) return script.origin;
    return { pkg: script.origin.pkg, module: `${script.origin.module} ${frame.functionName || '(anonymous)'}` };
  }

  private mapped(script: Script, frame: CallFrame): Origin | null {
    const map = script.map;
    if (!map) return null;
    const entry = map.map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
    const source = entry.originalSource;
    if (!source) return null;
    const file = sourceFile(source, map.dir);
    const origin = file === null ? outside : originOfFile(file, this.roots);
    if (origin !== outside) return origin;
    // A source outside the installation (the build's own tree, a bundler's scheme): its path as
    // the build wrote it when relative, else only what follows its last node_modules.
    const written = source.replace(/^[a-z][a-z0-9+.-]*:\/\/\/?/i, '');
    if (!path.isAbsolute(written) && !source.startsWith('file:')) return originOfRelative(written, script.ownPkg);
    const nm = written.lastIndexOf('node_modules/');
    return nm === -1 ? outside : originOfRelative(written.slice(nm), script.ownPkg);
  }

  private script(url: string): Script | null {
    if (this.scripts.has(url)) return this.scripts.get(url) ?? null;
    let script: Script | null = null;
    const file = url.startsWith('file://') ? safeFileUrl(url) : path.isAbsolute(url) ? url : null;
    if (file !== null) {
      const origin = originOfFile(file, this.roots);
      const ownPkg = rootOf(file, this.roots)?.root.pkg ?? origin.pkg;
      script = { file, origin, map: null, regions: null, ownPkg };
      if (origin !== outside) {
        script.map = loadSourceMap(file);
        if (!script.map) {
          const found = cachedRegions(file, this.cacheDir);
          script.regions = found.index;
          this.stats.regionsFromCache += found.cached ? 1 : 0;
        }
        this.stats.sourceMapped += script.map ? 1 : 0;
        this.stats.withRegions += script.regions ? 1 : 0;
      }
      this.stats.scripts += 1;
    }
    this.scripts.set(url, script);
    return script;
  }
}

function safeFileUrl(url: string): string | null {
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

/** A map's source as a file path, or null when it is not one (`webpack://app/src/x.ts`). */
function sourceFile(source: string, mapDir: string): string | null {
  if (source.startsWith('file://')) return safeFileUrl(source);
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return null;
  return path.resolve(mapDir, source);
}

/** The script's source map (a `.map` file or inline), when its last line names one and it is small enough. */
export function loadSourceMap(file: string): { map: NodeSourceMap; dir: string } | null {
  try {
    const tail = readTail(file);
    const url = tail ? MAPPING_URL.exec(tail)?.[1] : undefined;
    if (!url) return null;
    let payload: SourceMapPayload;
    let dir = path.dirname(file);
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      if (comma === -1 || url.length > MAX_SOURCE_MAP_BYTES) return null;
      const body = url.slice(comma + 1);
      payload = JSON.parse(
        url.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body),
      );
    } else {
      const mapFile = path.resolve(dir, decodeURIComponent(url));
      const fd = openSync(mapFile, 'r');
      try {
        if (fstatSync(fd).size > MAX_SOURCE_MAP_BYTES) return null;
      } finally {
        closeSync(fd);
      }
      payload = JSON.parse(readFileSync(mapFile, 'utf8'));
      dir = path.dirname(mapFile);
    }
    if (payload.sourceRoot) dir = path.resolve(dir, payload.sourceRoot);
    // node:module is loaded by every Node process already; its SourceMap parses the mappings.
    const { SourceMap } = require('node:module') as typeof import('node:module');
    return { map: new SourceMap({ ...payload, sourceRoot: '' }), dir };
  } catch {
    return null;
  }
}

/** The script's last bytes: an inline map can be long, so a tail that starts mid-comment is read whole (bounded). */
function readTail(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let length = Math.min(size, TAIL_BYTES);
    let text = readAt(fd, size - length, length);
    const marker = text.lastIndexOf('sourceMappingURL=');
    if (marker === -1 && size > length && /sourceMappingURL=|^[A-Za-z0-9+/=]+\s*$/.test(text.slice(-200))) {
      length = Math.min(size, MAX_SOURCE_MAP_BYTES + TAIL_BYTES);
      text = readAt(fd, size - length, length);
    }
    const start = text.lastIndexOf('\n//', text.length - 2);
    return start === -1 ? text : text.slice(start + 1);
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): string {
  const buffer = Buffer.allocUnsafe(length);
  const n = readSync(fd, buffer, 0, length, position);
  return buffer.toString('utf8', 0, n);
}
