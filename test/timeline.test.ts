import { describe, expect, it } from 'vitest';
import { downsample, Timeline, type TimelinePoint } from '../src/session/timeline';

const point = (t: number, treeRss: number): TimelinePoint => ({ t, treeRss, rootRss: treeRss / 2, heapUsed: 1, processes: 1 });

describe('the bounded timeline', () => {
  it('never holds more than its capacity, covers the whole span and keeps the peak', () => {
    const timeline = new Timeline(16);
    for (let t = 0; t < 1000; t += 1) timeline.add(point(t, t === 537 ? 999_999 : t));
    const points = timeline.snapshot();
    expect(points.length).toBeLessThanOrEqual(16);
    expect(points[0].t).toBe(0);
    expect(points[points.length - 1].t).toBeGreaterThan(900);
    expect(Math.max(...points.map((p) => p.treeRss))).toBe(999_999);
    expect(timeline.strideSamples).toBeGreaterThan(1);
  });

  it('finds the point nearest a time', () => {
    const timeline = new Timeline(64);
    for (let t = 0; t < 10; t += 1) timeline.add(point(t * 100, t));
    expect(timeline.nearest(420)?.treeRss).toBe(4);
    expect(new Timeline(4).nearest(5)).toBeNull();
  });

  it('downsamples keeping maxima', () => {
    const points = Array.from({ length: 10 }, (_, i) => point(i, i === 3 ? 50 : i));
    const out = downsample(points, 3);
    expect(out.length).toBeLessThanOrEqual(3);
    expect(Math.max(...out.map((p) => p.treeRss))).toBe(50);
  });
});
