// The size a heap snapshot may have: the bound at V8's measured cost, shared with a loaded machine.
import { describe, expect, it } from 'vitest';
import { largestHeapMiB, SNAPSHOT_CPU_MS_PER_MIB } from '../src/agent/heap-snapshot';

describe('the largest heap a snapshot may hold', () => {
  it('is what the bound allows at the measured cost per MiB', () => {
    expect(largestHeapMiB(30_000, 1)).toBe(Math.floor(30_000 / SNAPSHOT_CPU_MS_PER_MIB));
    expect(largestHeapMiB(1_000, 1)).toBeLessThan(10);
  });

  it('shrinks with the load per core, and never grows below a load of one', () => {
    expect(largestHeapMiB(30_000, 10)).toBe(Math.floor(largestHeapMiB(30_000, 1) / 10));
    expect(largestHeapMiB(30_000, 0.2)).toBe(largestHeapMiB(30_000, 1));
  });
});
