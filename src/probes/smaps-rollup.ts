// /proc/<pid>/smaps_rollup: a process's memory with shared pages split among the processes that
// map them. PSS (proportional set size) counts a page shared by n processes as 1/n, so PSS sums
// over a tree are what the tree costs; USS (the private pages) is what ending the process frees.
// Reading it walks the process's page tables: see bench:pss for its price.

export interface SmapsRollup {
  rssBytes: number;
  pssBytes: number;
  /** Private_Clean + Private_Dirty: pages no other process maps. */
  ussBytes: number;
  /** Swapped-out pages, shared ones split like PSS. */
  swapPssBytes: number;
}

/** null when the text has no Rss and Pss lines (not a smaps_rollup, or a kernel before 4.14). */
export function parseSmapsRollup(text: string): SmapsRollup | null {
  const kb = (key: string): number | null => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : null;
  };
  const rss = kb('Rss');
  const pss = kb('Pss');
  if (rss === null || pss === null) return null;
  return {
    rssBytes: rss,
    pssBytes: pss,
    ussBytes: (kb('Private_Clean') ?? 0) + (kb('Private_Dirty') ?? 0),
    swapPssBytes: kb('SwapPss') ?? 0,
  };
}
