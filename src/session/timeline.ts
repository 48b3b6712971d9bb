// A bounded memory timeline. When it is full, neighbouring points merge (keeping each figure's
// maximum) and later points are merged at the new stride: a long session keeps its whole span
// at a coarser grain, and a peak is never averaged away.

export interface TimelinePoint {
  /** ms since the epoch, of the first sample merged into the point. */
  t: number;
  treeRss: number;
  rootRss: number;
  heapUsed: number;
  processes: number;
}

export class Timeline {
  private readonly points: TimelinePoint[] = [];
  private stride = 1;
  private pending: TimelinePoint | null = null;
  private pendingCount = 0;

  constructor(private readonly capacity: number) {}

  add(point: TimelinePoint): void {
    this.pending = this.pending ? mergePoints(this.pending, point) : { ...point };
    this.pendingCount += 1;
    if (this.pendingCount < this.stride) return;
    this.points.push(this.pending);
    this.pending = null;
    this.pendingCount = 0;
    if (this.points.length >= this.capacity) this.compact();
  }

  /** The points so far, the unfinished merge included. */
  snapshot(): TimelinePoint[] {
    return this.pending ? [...this.points, this.pending] : [...this.points];
  }

  /** The point nearest to a time (for span boundaries), or null when empty. */
  nearest(t: number): TimelinePoint | null {
    let best: TimelinePoint | null = this.pending;
    for (const point of this.points) {
      if (!best || Math.abs(point.t - t) < Math.abs(best.t - t)) best = point;
    }
    return best;
  }

  get strideSamples(): number {
    return this.stride;
  }

  private compact(): void {
    const merged: TimelinePoint[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const next = this.points[i + 1];
      merged.push(next ? mergePoints(this.points[i], next) : this.points[i]);
    }
    this.points.length = 0;
    this.points.push(...merged);
    this.stride *= 2;
  }
}

/** At most `max` points, each group merged so peaks survive. */
export function downsample(points: TimelinePoint[], max: number): TimelinePoint[] {
  const step = Math.ceil(points.length / max);
  if (step <= 1) return points;
  const out: TimelinePoint[] = [];
  for (let i = 0; i < points.length; i += step) out.push(points.slice(i, i + step).reduce(mergePoints));
  return out;
}

function mergePoints(a: TimelinePoint, b: TimelinePoint): TimelinePoint {
  return {
    t: Math.min(a.t, b.t),
    treeRss: Math.max(a.treeRss, b.treeRss),
    rootRss: Math.max(a.rootRss, b.rootRss),
    heapUsed: Math.max(a.heapUsed, b.heapUsed),
    processes: Math.max(a.processes, b.processes),
  };
}
