// V8's heap: totals, the limit an out-of-memory crash happens at, malloced memory, every space.
import type * as v8 from 'node:v8';

export interface HeapSpace {
  name: string;
  size: number;
  used: number;
  available: number;
  physical: number;
}

export interface V8Heap {
  used: number;
  total: number;
  limit: number;
  malloced: number;
  /** Used bytes in the old generation (every space but the young ones): what an OOM is about. */
  oldUsed: number;
  /** The old generation's size limit: past it V8 dies with "heap out of memory". */
  oldLimit: number;
  spaces: HeapSpace[];
}

const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);
/** V8's young generation on 64-bit: three 16 MiB semi-space units, part of heap_size_limit. */
const YOUNG_GENERATION_MAX = 48 * 1024 * 1024;

/**
 * heap_size_limit counts the young generation too, so heap used never nears it: with
 * --max-old-space-size=48 a process died at 63 % of it (measured). The old generation's limit is
 * the flag when given, else the limit less the young generation.
 */
export function oldGenerationLimit(heapSizeLimit: number, flags: string[]): number {
  return flagOldSpaceLimit(flags) ?? Math.max(heapSizeLimit - YOUNG_GENERATION_MAX, heapSizeLimit / 2);
}

/** The last --max-old-space-size among the flags, in bytes; null when none is given. */
export function flagOldSpaceLimit(flags: string[]): number | null {
  let mib: number | null = null;
  for (const flag of flags) {
    const match = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(flag);
    if (match) mib = Number(match[1]);
  }
  return mib === null ? null : mib * 1024 * 1024;
}

let processOldLimit: number | null = null;
let v8Module: typeof v8 | null = null;

/**
 * node:v8 is loaded on first use, not with the preload: it loads all of node:stream with it
 * (+1.4 MiB of VmHWM in a small process, measured, and ~3 ms), and a large CLI loads it anyway,
 * at which point it is free for us.
 */
export function v8Api(): typeof v8 {
  v8Module ??= require('node:v8') as typeof v8;
  return v8Module;
}

export function flagsOfThisProcess(): string[] {
  return [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
}

export function toV8Heap(stats: v8.HeapInfo, spaces: v8.HeapSpaceInfo[] | null, oldLimit: number): V8Heap {
  let oldUsed = spaces ? 0 : stats.used_heap_size;
  for (const space of spaces ?? []) if (!YOUNG_SPACES.has(space.space_name)) oldUsed += space.space_used_size;
  return {
    used: stats.used_heap_size,
    total: stats.total_heap_size,
    limit: stats.heap_size_limit,
    malloced: stats.malloced_memory,
    oldUsed,
    oldLimit,
    spaces: (spaces ?? []).map((s) => ({
      name: s.space_name,
      size: s.space_size,
      used: s.space_used_size,
      available: s.space_available_size,
      physical: s.physical_space_size,
    })),
  };
}

let spacesSupported = true;

export function readV8Heap(): V8Heap {
  const stats = v8Api().getHeapStatistics();
  processOldLimit ??= oldGenerationLimit(stats.heap_size_limit, flagsOfThisProcess());
  return toV8Heap(stats, heapSpaces(), processOldLimit);
}

/** Bun has no heap spaces ("not yet implemented"): the totals still come. */
function heapSpaces(): v8.HeapSpaceInfo[] | null {
  if (!spacesSupported) return null;
  try {
    return v8Api().getHeapSpaceStatistics();
  } catch {
    spacesSupported = false;
    return null;
  }
}

/** Whether this process has loaded node:v8 already (a CLI often does): using it is then free. */
export function v8Loaded(): boolean {
  if (v8Module) return true;
  const list = (process as { moduleLoadList?: unknown }).moduleLoadList;
  return Array.isArray(list) && list.includes('NativeModule v8');
}
