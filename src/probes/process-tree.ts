// The descendants of a root process, found either through children files or a parent map.
// Pure over its inputs, so both ways are tested against fixtures.

export type ChildrenOf = (pid: number) => number[] | null;

/** Breadth-first walk; processes that vanish mid-walk simply have no children. */
export function descendantsViaChildren(root: number, childrenOf: ChildrenOf, limit = 10_000): number[] {
  const found: number[] = [];
  const seen = new Set<number>([root]);
  const queue = [root];
  while (queue.length > 0 && found.length < limit) {
    const pid = queue.shift() as number;
    for (const child of childrenOf(pid) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export function descendantsViaParents(root: number, parents: Map<number, number>): number[] {
  const childrenByParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = childrenByParent.get(ppid);
    if (list) list.push(pid);
    else childrenByParent.set(ppid, [pid]);
  }
  return descendantsViaChildren(root, (pid) => childrenByParent.get(pid) ?? []);
}
