// The periodic checkpoint is written every 2 s while the session changes and every 10 s while it
// does not (a killed collector loses at most that much of the tree's samples).
import { describe, expect, it } from 'vitest';
import { CheckpointPacer } from '../src/collector/checkpoint-file';

describe('checkpoint pacing', () => {
  it('writes a changing session every 2 s, a steady one every 10 s, never sooner than 2 s', () => {
    const pacer = new CheckpointPacer();
    const t0 = Date.now();
    expect(pacer.due(t0 + 1000, 'a')).toBe(false);
    expect(pacer.due(t0 + 2000, 'a')).toBe(true);
    expect(pacer.due(t0 + 3000, 'b')).toBe(false);
    expect(pacer.due(t0 + 4000, 'b')).toBe(true);
    for (let t = t0 + 6000; t < t0 + 14_000; t += 2000) expect(pacer.due(t, 'b')).toBe(false);
    expect(pacer.due(t0 + 14_000, 'b')).toBe(true);
    expect(pacer.due(t0 + 16_000, 'c')).toBe(true);
  });
});
