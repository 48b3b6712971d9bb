// A sampling heap profile, summed by origin. Each sampled allocation counts once, for the
// nearest frame on its stack that has a script (V8's own entries such as "(V8 API)" have none),
// and whatever cannot be placed is `(unattributed)`: the entries add up to the sampled total.
import type { CallFrame, FrameResolver } from './resolve';
import { OTHER, type Origin, unattributed } from './origin';

export interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}

export interface HeapAttribution {
  total: number;
  byPackage: Map<string, number>;
  byModule: Map<string, number>;
}

export function attribute(head: ProfileNode, resolver: Pick<FrameResolver, 'resolve'>): HeapAttribution {
  const result: HeapAttribution = { total: 0, byPackage: new Map(), byModule: new Map() };
  type Item = { node: ProfileNode; inherited: Origin; caller: Origin | null };
  const stack: Item[] = [{ node: head, inherited: unattributed, caller: null }];
  while (stack.length > 0) {
    const { node, inherited, caller: above } = stack.pop() as Item;
    const origin = resolver.resolve(node.callFrame) ?? inherited;
    const isNode = origin.pkg.startsWith('node:');
    const caller = isNode || origin === unattributed ? above : origin;
    if (node.selfSize > 0) {
      result.total += node.selfSize;
      add(result.byPackage, origin.pkg, node.selfSize);
      // Node's own module names what allocated, not who asked (50 MB of Qwen's heap was
      // node:internal/encoding): the module entry adds the nearest calling package.
      add(result.byModule, isNode && caller ? `${origin.module} (from ${caller.pkg})` : origin.module, node.selfSize);
    }
    for (const child of node.children ?? []) stack.push({ node: child, inherited: origin, caller });
  }
  return result;
}

function add(map: Map<string, number>, key: string, bytes: number): void {
  map.set(key, (map.get(key) ?? 0) + bytes);
}

/** The largest `limit` entries, the rest summed under `(other)`: the total is kept. */
export function topEntries(map: Map<string, number>, limit: number): Record<string, number> {
  const sorted = [...map.entries()].sort((a, b) => b[1] - a[1]);
  const out: Record<string, number> = {};
  for (const [key, bytes] of sorted.slice(0, limit)) out[key] = bytes;
  const rest = sorted.slice(limit).reduce((sum, [, bytes]) => sum + bytes, 0);
  if (rest > 0) out[OTHER] = (out[OTHER] ?? 0) + rest;
  return out;
}
