// The heap-by-package view of compare and the report: which package grew, adding up to the
// difference of the sampled totals; absent when a side was not profiled.
import { describe, expect, it } from 'vitest';
import { compareSelection } from '../src/bench/compare/comparison';
import { renderMarkdown, renderText } from '../src/bench/compare/render';
import { parseCriteria } from '../src/bench/compare/verdict';
import { renderMarkdownReport } from '../src/bench/report/markdown';
import { buildReport } from '../src/bench/report/model';
import { heapByPackage } from '../src/bench/report/charts';
import { cellHeap, heapDifference } from '../src/bench/results/heap-profile';
import { buildCells } from '../src/bench/results/cells';
import * as path from 'node:path';
import { readResults } from '../src/bench/results/load';
import type { BenchResult } from '../src/contracts/bench-result';

const REAL = readResults(path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl')).find((r) => r.record !== null)!;

const MiB = 1024 * 1024;

/** A run whose largest process has a heap profile (entries adding up to its total). */
function run(target: string, repeat: number, byPackage: Record<string, number> | null): BenchResult {
  const sampled = byPackage ? Object.values(byPackage).reduce((a, b) => a + b, 0) : 0;
  const heapProfile = byPackage && {
    captures: 3,
    failures: 0,
    skipped: null,
    pause_ms_median: 300,
    pause_ms_max: 600,
    attribute_ms_max: 50,
    at_ms: 1000,
    heap_used_bytes: sampled * 3,
    heap_used_after_bytes: sampled,
    sampled_bytes: sampled,
    by_package_bytes: byPackage,
    by_module_bytes: Object.fromEntries(Object.entries(byPackage).map(([k, v]) => [`${k}/index.js`, v])),
  };
  const [cli, branch] = target.split('@');
  // A real result line for every other figure, with this run's heap profile on its largest process.
  const real = structuredClone(REAL) as BenchResult;
  real.bench = { ...real.bench, target, cli, branch, workload: 'w', repeat };
  const processes = real.record!.processes;
  const largest = processes.reduce((a, b) => (b.hwm_bytes > a.hwm_bytes ? b : a));
  for (const p of processes) delete p.heap_profile;
  if (heapProfile) largest.heap_profile = heapProfile;
  return real;
}

const base = [
  run('qwen@a', 1, { zod: 20 * MiB, 'node:internal/encoding': 50 * MiB, '(unattributed)': 2 * MiB }),
  run('qwen@a', 2, { zod: 22 * MiB, 'node:internal/encoding': 51 * MiB }),
];
const cand = [
  run('qwen@b', 1, { zod: 212 * MiB, 'node:internal/encoding': 190 * MiB, undici: 3 * MiB }),
  run('qwen@b', 2, { zod: 230 * MiB, 'node:internal/encoding': 200 * MiB }),
];

describe('heap by package between two cells', () => {
  it("names what grew, largest first, and the moves add up to the sampled totals' difference", () => {
    const d = heapDifference(base, cand, 'package')!;
    expect(d.parts.map((p) => p.name)).toEqual(['zod', 'node:internal/encoding', 'undici', '(unattributed)']);
    expect(d.parts.reduce((a, p) => a + p.delta, 0)).toBe(d.gap);
    expect(d.gap).toBe(d.candidate.chosen.sampled - d.baseline.chosen.sampled);
    expect(heapDifference(base, [run('qwen@b', 1, null)], 'package')).toBeNull();
    expect(cellHeap(base)!.attributedShare).toBeCloseTo(1 - 2 / 72, 6);
  });

  it('compare prints it as a third view and in its words; --by module groups by module', () => {
    const selection = {
      baseline: 'qwen@a',
      candidate: 'qwen@b',
      pairs: [{ workload: 'w', baseline: buildCells(base)[0], candidate: buildCells(cand)[0] }],
      unmatched: [],
    };
    const byPackage = compareSelection(selection as never, parseCriteria([]), 0.95, 'package');
    const text = renderText(byPackage);
    expect(text).toMatch(/V8 heap by package/);
    expect(text).toMatch(/total = sampled live heap/);
    expect(byPackage.workloads[0].words.at(-1)).toMatch(/^V8 heap by package .*: \+\d+\.\d MiB zod, \+\d+\.\d MiB node:internal\/encoding/);
    const byModule = renderMarkdown(compareSelection(selection as never, parseCriteria([]), 0.95, 'module'));
    expect(byModule).toMatch(/\| zod\/index\.js \|/);
  });

  it('the report has a table and one stacked bar per profiled cell that adds up to its sampled total', () => {
    const data = buildReport([...base, ...cand], 'qwen@a');
    expect(renderMarkdownReport(data)).toMatch(/## What fills the V8 heap/);
    const [chart] = heapByPackage(data);
    const datasets = (chart.config as { data: { datasets: Array<{ data: number[] }> } }).data.datasets;
    data.cells.forEach((c, i) => {
      const drawn = datasets.reduce((a, d) => a + (d.data[i] ?? 0), 0);
      expect(drawn).toBeCloseTo(c.heap!.chosen.sampled / MiB, 0);
    });
    expect(heapByPackage(buildReport([run('qwen@a', 1, null)]))).toEqual([]);
  });
});
