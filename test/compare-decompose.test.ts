// The decomposition: its parts add up to the gap in median peak tree RSS, exactly, whatever the
// runs; the run decomposed is the one nearest each side's median; no record, no decomposition.
import { describe, expect, it } from 'vitest';
import { decompose, KIND_PARTS, median, type Part } from '../src/bench/results/decompose';
import { readResults } from '../src/bench/results/load';
import { BENCH_RESULT_SCHEMA, type BenchResult } from '../src/contracts/bench-result';
import * as path from 'node:path';

const MiB = 1024 * 1024;

/** A run whose record carries only what the decomposition reads. */
function run(repeat: number, peak: number, buckets: Partial<Record<string, number>>, roles: Record<string, number>): BenchResult {
  const bucketsBytes: Record<string, number> = {};
  for (const name of KIND_PARTS) bucketsBytes[name] = buckets[name] ?? 0;
  return {
    schema: BENCH_RESULT_SCHEMA,
    time: '2026-01-01T00:00:00.000Z',
    bench: {
      target: 't@x',
      cli: 't',
      branch: 'x',
      workload: 'w',
      repeat,
      matrix_id: 'm',
      host: { node: 'v20', platform: 'linux', cpus: 2, total_memory_bytes: 1 },
    },
    status: 'ok',
    failure: null,
    exit_code: 0,
    wall_ms: 1,
    external: { sampler_interval_ms: 20, tree_rss_peak_bytes: 0, hwm_max_bytes: 0, processes_seen: 0, rss_peak_by_role_bytes: {} },
    server: {
      requests: 0,
      request_bytes_total: 0,
      request_bytes_peak: 0,
      tool_result_bytes_peak: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      tool_calls: 0,
      sequence: [],
    },
    record: {
      tree: { rss_peak_bytes: peak, rss_peak_by_role_bytes: roles },
      diagnosis: { buckets_bytes: bucketsBytes },
      processes: Object.entries(roles)
        .filter(([, v]) => v > 0)
        .map(([role, hwm]) => ({ role, name: 'node', hwm_bytes: hwm })),
    },
  };
}

const sum = (parts: Part[], side: 'baseline' | 'candidate' | 'delta'): number => parts.reduce((s, p) => s + p[side], 0);

/** Deterministic pseudo-random integers (a linear congruential generator). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31);
}

describe('decompose', () => {
  it('adds up to the gap exactly, by kind and by role, for odd and even run counts', () => {
    const next = lcg(7);
    for (let trial = 0; trial < 200; trial++) {
      const side = (count: number): BenchResult[] =>
        Array.from({ length: count }, (_, i) => {
          const heap = next() % (500 * MiB);
          const native = next() % (200 * MiB);
          const tool = next() % (10 * MiB);
          const sampled = heap + native + tool;
          const peak = sampled + (next() % (30 * MiB));
          return run(i + 1, peak, { heap_used: heap, native, tool }, { cli: heap + native - (next() % MiB), tool });
        });
      const d = decompose(side(1 + (trial % 4)), side(1 + ((trial + 1) % 5)))!;
      for (const view of [d.byKind, d.byRole]) {
        expect(sum(view, 'delta')).toBe(d.gap);
        expect(sum(view, 'baseline')).toBe(d.baseline.median);
        expect(sum(view, 'candidate')).toBe(d.candidate.median);
      }
    }
  });

  it('decomposes the run nearest the median: with an odd count that run is the median, so the median rule is 0', () => {
    const base = [
      run(1, 300 * MiB, { native: 300 * MiB }, { cli: 300 * MiB }),
      run(2, 200 * MiB, { native: 200 * MiB }, { cli: 200 * MiB }),
      run(3, 250 * MiB, { native: 240 * MiB }, { cli: 240 * MiB }),
    ];
    const cand = [run(1, 400 * MiB, { native: 250 * MiB, other: 150 * MiB }, { cli: 250 * MiB, other: 150 * MiB })];
    const d = decompose(base, cand)!;
    expect(d.baseline.repeat).toBe(3);
    expect(d.gap).toBe(150 * MiB);
    const byName = Object.fromEntries(d.byKind.map((p) => [p.name, p.delta]));
    expect(byName).toMatchObject({ native: 10 * MiB, other: 150 * MiB, between_samples: -10 * MiB, median_rule: 0 });
    const roles = Object.fromEntries(d.byRole.map((p) => [p.name, p.delta]));
    expect(roles).toMatchObject({ cli: 10 * MiB, other: 150 * MiB, not_at_once: -10 * MiB, median_rule: 0 });
  });

  it('puts the distance between the even-count median and the chosen run in median_rule', () => {
    const base = [run(1, 100, { native: 100 }, { cli: 100 }), run(2, 110, { native: 110 }, { cli: 110 })];
    const d = decompose(base, base)!;
    expect(d.baseline.median).toBe(105);
    expect(d.byKind.find((p) => p.name === 'median_rule')).toMatchObject({ baseline: 5, candidate: 5, delta: 0 });
    expect(d.gap).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('returns null when a side has no record with a diagnosis', () => {
    const withRecord = [run(1, 100, { native: 100 }, { cli: 100 })];
    const without = [{ ...withRecord[0], record: null }];
    expect(decompose(withRecord, without)).toBeNull();
  });

  it('adds up on real records (Qwen Code 0.15.10 vs Claude Code 2.1.112, the two-tool script)', () => {
    const results = readResults(path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl')).filter((r) => r.bench.repeat > 0);
    const d = decompose(
      results.filter((r) => r.bench.cli === 'claude'),
      results.filter((r) => r.bench.cli === 'qwen'),
    )!;
    expect(d.gap).toBeGreaterThan(400 * MiB);
    expect(sum(d.byKind, 'delta')).toBe(d.gap);
    expect(sum(d.byRole, 'delta')).toBe(d.gap);
    const worker = d.byRole.find((p) => p.name === 'cli_worker')!;
    expect(worker.baseline).toBe(0);
    expect(worker.candidate).toBeGreaterThan(400 * MiB);
  });
});
