// What QWEN_OTEL_HEAP_PROFILE finds and what it costs, on a real CLI against the scripted model
// server: rounds of paired runs, both under qwen-otel, one with the heap profiler and one without
// (their order alternating), then the entries at the worker's peak, the share attributed, the
// sampled total against V8's heap in use at the same capture, each capture's pause, and the
// paired change in the worker's peak RSS, the tree's peak and the wall time.
//   npm run bench:heap-profile -- [--target qwen@0.15.10] [--workload pr-review] [--rounds 8]
//                                 [--out bench-results] [--from results.jsonl]
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from '../../contracts/bench-result';
import type { ProcessFigures } from '../../contracts/run-record';
import { newMatrixId } from '../matrix/runner';
import { runOne } from '../matrix/run-one';
import { flagValue, fmt, MiB, progressLine, saveReport, spreadText, table } from '../overhead/report';
import { cellHeap, topOf } from '../results/heap-profile';
import { readResults } from '../results/load';

import { resolveTarget, type ResolvedTarget } from '../targets/presets';
import { parseTarget } from '../targets/target-spec';
import { resolveWorkloads } from '../workloads';

const PROFILED = 'heap-profile';
const PLAIN = 'no-heap-profile';

async function measure(args: string[], file: string): Promise<BenchResult[]> {
  const base = await resolveTarget(parseTarget(flagValue(args, '--target', 'qwen@0.15.10')));
  const [workload] = resolveWorkloads([flagValue(args, '--workload', 'pr-review')]);
  const rounds = Number(flagValue(args, '--rounds', '8'));
  const variant = (branch: string): ResolvedTarget => ({ ...base, branch, label: `${base.cli}@${branch}` });
  const matrixId = newMatrixId();
  const results: BenchResult[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    // Alternating order, so drift of a loaded machine falls on both sides alike.
    const order = round % 2 === 1 ? [true, false] : [false, true];
    for (const heapProfile of order) {
      progressLine(`round ${round}/${rounds}: ${heapProfile ? PROFILED : PLAIN}`);
      const target = variant(heapProfile ? PROFILED : PLAIN);
      const result = await runOne({ target, workload, repeat: round, matrixId, timeoutMs: 300_000, instrumented: true, heapProfile });
      appendFileSync(file, `${JSON.stringify(result)}\n`);
      results.push(result);
    }
  }
  process.stderr.write('\n');
  return results;
}

/** The CLI's worker when it relaunches itself (Qwen Code does), else the CLI process. */
function worker(r: BenchResult): ProcessFigures | null {
  const list = r.record?.processes ?? [];
  const pick = (role: string): ProcessFigures | null =>
    list.filter((p) => p.role === role).sort((a, b) => b.hwm_bytes - a.hwm_bytes)[0] ?? null;
  return pick('cli_worker') ?? pick('cli');
}

const relative = (pairs: Array<[number, number]>): number[] => pairs.map(([plain, profiled]) => (100 * (profiled - plain)) / plain);

async function main(args: string[]): Promise<void> {
  const out = path.resolve(flagValue(args, '--out', 'bench-results'));
  mkdirSync(out, { recursive: true });
  const from = flagValue(args, '--from', '');
  const results = from ? readResults(from) : await measure(args, path.join(out, `heap-profile-results-${Date.now()}.jsonl`));
  const ok = results.filter((r) => r.status === 'ok' && r.record);
  const side = (branch: string): Map<number, BenchResult> =>
    new Map(ok.filter((r) => r.bench.branch === branch).map((r) => [r.bench.repeat, r]));
  const [profiled, plain] = [side(PROFILED), side(PLAIN)];
  const rounds = [...profiled.keys()].filter((k) => plain.has(k)).sort((a, b) => a - b);
  const paired = (read: (r: BenchResult) => number | null): Array<[number, number]> =>
    rounds.map((k) => [read(plain.get(k)!), read(profiled.get(k)!)]).filter((p): p is [number, number] => p[0] !== null && p[1] !== null);
  const workerHwm = paired((r) => worker(r)?.hwm_bytes ?? null);
  const treePeak = paired((r) => r.record?.tree.rss_peak_bytes ?? null);
  const wall = paired((r) => r.wall_ms);
  const profiles = [...profiled.values()].map((r) => worker(r)?.heap_profile).filter((p) => p && p.captures > 0) as NonNullable<
    ProcessFigures['heap_profile']
  >[];
  const pauses = profiles.flatMap((p) => [p.pause_ms_median ?? 0]);
  const pauseMax = Math.max(0, ...profiles.map((p) => p.pause_ms_max ?? 0));
  const vsHeap = profiles.filter((p) => p.heap_used_after_bytes).map((p) => (p.sampled_bytes ?? 0) / (p.heap_used_after_bytes as number));
  const cell = cellHeap(
    [...profiled.values()].map((r) => ({ ...r, record: r.record && { ...r.record, processes: [worker(r)!].filter(Boolean) } })),
  );
  const target = results[0]?.bench.cli ?? '?';
  const lines = [
    `# QWEN_OTEL_HEAP_PROFILE on ${target} ${results[0]?.bench.workload ?? ''}: ${rounds.length} paired rounds (${new Date().toISOString()})`,
    '',
    'Both sides under qwen-otel; the profiled side with QWEN_OTEL_HEAP_PROFILE=1. Medians (IQR) over the rounds; "change" is the paired difference profiled vs plain in the same round.',
    '',
    table(
      ['figure', 'plain', 'profiled', 'change, paired'],
      [
        [
          "worker's peak RSS (VmHWM), MiB",
          spreadText(workerHwm.map((p) => p[0] / MiB)),
          spreadText(workerHwm.map((p) => p[1] / MiB)),
          `${spreadText(relative(workerHwm))} %`,
        ],
        [
          'tree peak RSS, MiB',
          spreadText(treePeak.map((p) => p[0] / MiB)),
          spreadText(treePeak.map((p) => p[1] / MiB)),
          `${spreadText(relative(treePeak))} %`,
        ],
        [
          'wall time, s',
          spreadText(
            wall.map((p) => p[0] / 1000),
            2,
          ),
          spreadText(
            wall.map((p) => p[1] / 1000),
            2,
          ),
          `${spreadText(relative(wall))} %`,
        ],
      ],
    ),
    '',
    `Captures in the worker per run: ${spreadText(
      profiles.map((p) => p.captures),
      0,
    )}; failures: ${profiles.reduce((a, p) => a + p.failures, 0)}; skipped: ${profiles.filter((p) => p.skipped).length} run(s).`,
    `Capture pause (V8's forced GC and the profile), per run's median: ${spreadText(pauses, 0)} ms; the largest of all: ${fmt(pauseMax, 0)} ms. Summing one capture by origin: up to ${fmt(Math.max(0, ...profiles.map((p) => p.attribute_ms_max)), 0)} ms (the first scans the 26 MB bundle for region comments).`,
    `Sampled total / V8 heap in use right after the capture: ${spreadText(vsHeap, 3)} (${vsHeap.filter((v) => Math.abs(v - 1) <= 0.1).length} of ${vsHeap.length} within 10 %).`,
    `V8 heap in use at the high point the kept capture was taken for: ${spreadText(profiles.map((p) => (p.heap_used_bytes ?? 0) / MiB))} MiB; after its GC: ${spreadText(profiles.map((p) => (p.heap_used_after_bytes ?? 0) / MiB))} MiB.`,
    '',
  ];
  if (cell) {
    lines.push(
      `At the worker's highest capture, run #${cell.chosen.repeat} (nearest the median sampled ${fmt(cell.medianSampled / MiB)} MiB; ${fmt(cell.attributedShare * 100, 1)} % attributed):`,
      '',
      table(
        ['package', 'MiB', 'share'],
        topOf(cell, 'package', 12).map(([name, bytes]) => [name, fmt(bytes / MiB), `${fmt((100 * bytes) / cell.chosen.sampled)} %`]),
      ),
      '',
      table(
        ['module', 'MiB', 'share'],
        topOf(cell, 'module', 12).map(([name, bytes]) => [name, fmt(bytes / MiB), `${fmt((100 * bytes) / cell.chosen.sampled)} %`]),
      ),
    );
  } else {
    lines.push('No capture in any profiled run: no entries to show.');
  }
  const failed = results.filter((r) => r.status !== 'ok');
  if (failed.length)
    lines.push(
      '',
      `Failed runs (left out): ${failed.map((r) => `${r.bench.branch} #${r.bench.repeat}: ${r.failure ?? r.status}`).join('; ')}`,
    );
  lines.push(
    '',
    `Figures measured on a shared 2-core machine; \`uptime\` load at the end: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.`,
  );
  saveReport(out, 'heap-profile', { target, rounds, workerHwm, treePeak, wall, profiles }, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench:heap-profile: ${error.message}\n`);
    process.exitCode = 1;
  });
}
