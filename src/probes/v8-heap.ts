// V8's heap: totals, the limit an out-of-memory crash happens at, malloced memory, every space.
import * as v8 from 'node:v8';

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
  spaces: HeapSpace[];
}

export function toV8Heap(stats: v8.HeapInfo, spaces: v8.HeapSpaceInfo[]): V8Heap {
  return {
    used: stats.used_heap_size,
    total: stats.total_heap_size,
    limit: stats.heap_size_limit,
    malloced: stats.malloced_memory,
    spaces: spaces.map((s) => ({
      name: s.space_name,
      size: s.space_size,
      used: s.space_used_size,
      available: s.space_available_size,
      physical: s.physical_space_size,
    })),
  };
}

export function readV8Heap(): V8Heap {
  return toV8Heap(v8.getHeapStatistics(), v8.getHeapSpaceStatistics());
}
