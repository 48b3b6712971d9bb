// A sampling heap profile, summed by origin. Each sampled allocation counts once, for the
// nearest frame on its stack that has a script (V8's own entries such as "(V8 API)" have none),
// and whatever cannot be placed is `(unattributed)`: the entries add up to the sampled total.
import { type CallFrame, type FrameResolver } from './resolve';
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
  const stack: Array<{ node: ProfileNode; inherited: Origin }> = [{ node: head, inherited: unattributed }];
  while (stack.length > 0) {
    const { node, inherited } = stack.pop() as { node: ProfileNode; inherited: Origin };
    const origin = resolver.resolve(node.callFrame) ?? inherited;
    if (node.selfSize > 0) {
      result.total += node.selfSize;
      add(result.byPackage, origin.pkg, node.selfSize);
      add(result.byModule, origin.module, node.selfSize);
    }
    for (const child of node.children ?? []) stack.push({ node: child, inherited: origin });
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
